"""Arabizi (Arabic written in Latin letters and digits) → Arabic script, for lexical search.

Arabizi spelling is loose: ``s`` is س or ص, ``t`` is ت or ط, short vowels are often written and
long ones sometimes not. ``candidates`` spells a word every plausible way (digits as letters:
``3`` ع, ``7`` ح, ``5`` خ, ``2`` ء, ``9`` ق/ص, ``6`` ط, ``3'`` غ; digraphs ``sh kh gh th dh``;
each written vowel dropped or long; a final ``an`` also the tanween alif). ``transliterate``
keeps, per word, the first spelling found in a vocabulary (e.g. the words of a knowledge base)
and otherwise the plainest spelling. The article (``el``/``al``) and the clitic ``b`` are joined
to the next word. ``ArabiziReader`` applies it to whole posts for the classifiers, with the word
counts of their Arabic training texts as the vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.text.language import detect_language
from assistant.text.normalize import normalize

_MAX_CANDIDATES = 512
_WORD = re.compile(r"[a-z0-9']+")
_ARTICLES = frozenset({"el", "al", "il", "l"})
_CLITICS = {"b": "ب", "bi": "ب", "w": "و", "wi": "و"}

# Multi-character units first; each maps to its possible Arabic letters ("" = not written).
_UNITS: list[tuple[str, tuple[str, ...]]] = [
    ("3'", ("غ",)),
    ("7'", ("خ",)),
    ("9'", ("ض",)),
    ("sh", ("ش",)),
    ("ch", ("ش",)),
    ("kh", ("خ",)),
    ("gh", ("غ",)),
    ("th", ("ث", "ذ", "ت")),
    ("dh", ("ذ", "ض", "ظ")),
    ("ou", ("و",)),
    ("aa", ("ا",)),
    ("ee", ("ي",)),
    ("ii", ("ي",)),
    ("oo", ("و",)),
    ("uu", ("و",)),
    ("ei", ("ي",)),
    ("ai", ("ي", "اي")),
    ("ay", ("ي", "اي")),
    ("aw", ("و", "او")),
    # Levantine and Egyptian writers also write "2" for the qaf they say as a glottal stop
    # (2amees قميص, ma2as مقاس); the vocabulary decides.
    ("2", ("ء", "ا", "ق")),
    ("3", ("ع",)),
    ("4", ("ش",)),
    ("5", ("خ",)),
    ("6", ("ط",)),
    ("7", ("ح",)),
    ("8", ("ق", "غ")),
    ("9", ("ق", "ص")),
    ("b", ("ب",)),
    ("p", ("ب",)),
    ("t", ("ت", "ط")),
    ("j", ("ج",)),
    ("g", ("ج", "ق", "غ")),
    ("h", ("ه", "ح")),
    ("d", ("د", "ض")),
    ("r", ("ر",)),
    ("z", ("ز", "ظ")),
    ("s", ("س", "ص")),
    ("c", ("ك", "س")),
    ("f", ("ف",)),
    ("v", ("ف",)),
    ("q", ("ق",)),
    ("k", ("ك", "ق")),
    ("l", ("ل",)),
    ("m", ("م",)),
    ("n", ("ن",)),
    ("w", ("و",)),
    ("y", ("ي",)),
    ("x", ("كس",)),
    ("'", ("ء", "")),
]
_SHORT_VOWELS = {"a": ("", "ا"), "e": ("", "ي"), "i": ("", "ي"), "o": ("", "و"), "u": ("", "و")}
_FINAL_VOWELS = {
    # A final "a" may also be alef maksura (3ala على, meta متى), which normalizes to ي.
    "a": ("ه", "ا", "", "ي"),
    "e": ("ه", "ي", ""),
    "i": ("ي", ""),
    "o": ("و", ""),
    "u": ("و", ""),
}


def _segments(word: str) -> list[tuple[str, ...]]:
    """The word as a sequence of choices (one tuple of Arabic spellings per Latin unit)."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        # a doubled consonant (shadda) is written once
        if i and word[i] == word[i - 1] and word[i] not in "aeiou23456789'":
            i += 1
            continue
        unit = next(((u, a) for u, a in _UNITS if word.startswith(u, i)), None)
        if unit is not None:
            out.append(unit[1])
            i += len(unit[0])
            continue
        char = word[i]
        if char in _SHORT_VOWELS:
            if i == 0:
                out.append(("ا",))  # a word-initial vowel carries an alif
            elif i == len(word) - 1:
                out.append(_FINAL_VOWELS[char])
            elif char == "a" and word.startswith("ah", i) and i + 2 == len(word):
                out.append(("ه", "ا"))
                i += 2
                continue
            elif char == "a" and word.startswith("an", i) and i + 2 == len(word):
                # a final "an" may be the tanween of a final alif (shokran شكرا, gedan جدا)
                out.append(("ن", "ان", "ا"))
                i += 2
                continue
            else:
                out.append(_SHORT_VOWELS[char])
        i += 1
    return out


def candidates(word: str, *, limit: int = _MAX_CANDIDATES) -> list[str]:
    """Plausible Arabic spellings of one Arabizi word, plainest first (at most ``limit``)."""
    spellings = [""]
    for choices in _segments(word.lower()):
        spellings = [s + c for s in spellings for c in choices][:limit]
    seen: dict[str, None] = {}
    for s in spellings:
        if s:
            seen.setdefault(s, None)
    return list(seen)


def is_arabizi_word(word: str) -> bool:
    """A Latin word that uses digits as letters (``3andkom``, ``sha7n``, ``a3'ayar``)."""
    return bool(re.search(r"[a-z]", word)) and bool(re.search(r"[2-9]", word))


def _pick(options: list[str], known: Callable[[str], float] | None) -> str:
    """The best-known option (the first among equals), or the plainest one."""
    if not options:
        return ""
    if known is not None:
        best, best_score = options[0], 0.0
        for option in options:
            score = known(option)
            if score > best_score:
                best, best_score = option, score
        return best
    return options[0]


LEXICON_FILE = Path(__file__).with_name("arabizi_lexicon.yaml")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """Set phrases and doubled-letter words read as given (``arabizi_lexicon.yaml``)."""
    raw = yaml.safe_load(LEXICON_FILE.read_text("utf-8")) or {}
    return {str(k).lower(): normalize(str(v)).normalized for k, v in raw.items()}


def _spell(prefix: str, token: str, known: Callable[[str], float] | None) -> str:
    """One word's spelling, with the article or clitic ``prefix`` joined to it."""
    fixed = lexicon().get(token)
    if fixed is not None:
        if fixed.startswith("ال") and prefix.endswith("ال"):
            prefix = prefix[: -len("ال")]  # `el 7amdulillah`: the reading has its article
        return prefix + fixed
    options = candidates(token)
    if not prefix:
        return _pick(options, known)
    choice = _pick([prefix + o for o in options], known)
    if known is not None and not known(choice):
        # the word alone may be known even if the joined form is not
        choice = prefix + _pick(options, known)
    return choice


def transliterate(
    text: str,
    vocabulary: Collection[str] | Callable[[str], float] | None = None,
    *,
    memo: dict[tuple[str, str], str] | None = None,
) -> str:
    """Arabic-script reading of Arabizi ``text``.

    ``vocabulary`` chooses among each word's spellings: a set of Arabic words, or a function
    scoring a spelling (0: unknown, higher: better known). Without it every word gets its
    plainest spelling (short vowels dropped). ``memo`` keeps each word's spelling for later
    calls with the same vocabulary (spelling out a word tries up to 512 candidates).
    """
    known: Callable[[str], float] | None
    if vocabulary is None:
        known = None
    elif callable(vocabulary):
        known = vocabulary
    else:
        words = vocabulary

        def known(word: str) -> float:
            return 1.0 if word in words else 0.0

    tokens = _WORD.findall(text.lower())
    out: list[str] = []
    prefix = ""
    for i, token in enumerate(tokens):
        has_next = i + 1 < len(tokens)
        if token.isdigit():
            out.append(prefix + token if not prefix.endswith("ال") else token)
            prefix = ""
            continue
        if has_next and token in _ARTICLES:
            prefix += "ال"
            continue
        if has_next and token in _CLITICS and not prefix:
            prefix = _CLITICS[token]
            continue
        if memo is None:
            choice = _spell(prefix, token, known)
        else:
            choice = memo.get((prefix, token), "")
            if not choice:
                choice = memo[(prefix, token)] = _spell(prefix, token, known)
        if choice:
            out.append(choice)
        prefix = ""
    return " ".join(out)


_ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")


def arabic_word_counts(texts: Iterable[str]) -> dict[str, int]:
    """How often each Arabic-script word occurs in ``texts`` (their normalized view)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_ARABIC_WORD.findall(normalize(text).normalized))
    return dict(counts)


MAX_WORDS_READ = 300
_MEMO_WORDS = 50_000
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1024)
def arabizi_text(text: str) -> str | None:
    """The cleaned post if it is written in Arabizi, else None (cached: every head that reads
    Arabizi asks about the same posts)."""
    if not _LATIN.search(text):
        return None  # cheap exit for Arabic-script posts, most of an Arabic group's
    clean = normalize(text).clean
    return clean if detect_language(clean).code == "arabizi" else None


def read_arabizi(
    text: str,
    vocabulary: Collection[str] | Callable[[str], float],
    memo: dict[tuple[str, str], str],
) -> str | None:
    """The Arabic-script reading of ``text`` if it is written in Arabizi, else None.

    Spelling out a new word costs ~1 ms, so only the first ``MAX_WORDS_READ`` words are read
    (the start of a very long post says what it is); ``memo`` keeps spellings between calls and
    is emptied once it holds ``_MEMO_WORDS`` of them.
    """
    clean = arabizi_text(text)
    if clean is None:
        return None
    if len(memo) > _MEMO_WORDS:
        memo.clear()
    return transliterate(" ".join(clean.split()[:MAX_WORDS_READ]), vocabulary, memo=memo)


class ArabiziReader:
    """Posts written in Arabizi, read in Arabic script; every other post passes unchanged.

    A classifier trained mostly on Arabic-script text then reads Arabizi posts the way it reads
    Arabic ones. Among each word's spellings the one most frequent in ``word_counts`` wins.
    """

    def __init__(self, word_counts: Mapping[str, int]) -> None:
        self._counts = dict(word_counts)
        self._total = max(1, sum(self._counts.values()))
        self._memo: dict[tuple[str, str], str] = {}

    def _known(self, word: str) -> float:
        return self._counts.get(word, 0) / self._total

    def read(self, text: str) -> str:
        return read_arabizi(text, self._known, self._memo) or text

    def read_all(self, texts: Iterable[str]) -> list[str]:
        return [self.read(t) for t in texts]

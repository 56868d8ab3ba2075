"""Unicode and Arabic normalization, including the tricks members use to dodge filters.

Three views of a text come out:
- ``clean``: Unicode cleaned (NFKC, no invisible or control characters) but otherwise as typed;
  used for display, language identification and evidence.
- ``normalized``: ``clean`` plus Arabic orthographic normalization, ASCII digits, lowercase,
  collapsed elongation and re-joined spaced/dotted letters; the input of every trained model.
- ``folded``: ``normalized`` plus look-alike and l33t folding; used for keyword rules and
  lexicon matching, where catching ``f.u.c.k`` or ``sh1t`` matters more than fidelity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
_ARABIC_LETTER_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ۃ": "ه",
        "ہ": "ه",
        "ھ": "ه",
        "ۀ": "ه",
        "ە": "ه",
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ۍ": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ۆ": "و",
        "ۇ": "و",
        "ک": "ك",
        "ڪ": "ك",
        "ګ": "ك",
        "گ": "ك",
        "ڤ": "ف",
        "پ": "ب",
        "چ": "ج",
        "ژ": "ز",
    }
)
_DIGIT_MAP = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Cyrillic and Greek letters that look like Latin ones, used to slip words past filters.
_LOOKALIKE_MAP = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "ѵ": "v",
        "ԝ": "w",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
    }
)
_LEET_MAP = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)
_ELONGATION = re.compile(r"([^\W\d_])\1{2,}")
_LETTER = r"[^\W\d_]"
# Three or more single letters joined by one repeated separator: "f.u.c.k", "ك ل ب", "s-h-i-t".
_SPACED_LETTERS = re.compile(rf"(?<!\w)({_LETTER})((?:[ .\-_*·•,'/]{{1,2}}{_LETTER}){{2,}})(?!\w)")
_LEET_TOKEN = re.compile(r"\S*[a-z]\S*")
_NUMBER = re.compile(r"\d{3}")
_WHITESPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    original: str
    clean: str
    normalized: str
    folded: str


def clean_unicode(text: str) -> str:
    """NFKC, strip invisible/bidi/control characters, unify spaces; keeps letters as typed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _WHITESPACE.sub(" ", text)
    return text.strip()


def normalize_arabic(text: str) -> str:
    """Orthographic normalization: alef/ya/ta-marbuta variants, harakat, tatweel."""
    text = _HARAKAT.sub("", text)
    text = text.replace(_TATWEEL, "")
    return text.translate(_ARABIC_LETTER_MAP)


def collapse_elongation(text: str) -> str:
    """``حلووووو`` → ``حلو``, ``soooo`` → ``so``: three or more repeats become one."""
    return _ELONGATION.sub(r"\1", text)


def join_spaced_letters(text: str) -> str:
    """``f.u.c.k`` → ``fuck``; ``ك ل ب`` → ``كلب``."""

    def _join(match: re.Match[str]) -> str:
        spelled = match.group(0)
        # "f.o.r s.a.l.e": dots join letters, the space still separates the words.
        parts = (
            spelled.split(" ")
            if re.search(r"[^ ]", re.sub(rf"{_LETTER}", "", spelled))
            else [spelled]
        )
        return " ".join(re.sub(r"[ .\-_*·•,'/]", "", part) for part in parts)

    return _SPACED_LETTERS.sub(_join, text)


def fold_lookalikes(text: str) -> str:
    return text.translate(_LOOKALIKE_MAP)


def fold_leet(text: str) -> str:
    """Undo digit/symbol substitutions inside Latin words (``sh1t`` → ``shit``).

    Only tokens that contain a Latin letter and no run of three digits are touched, so prices,
    phone numbers and links stay intact.
    """

    def _fold(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith(("http", "www.", "@")) or "/" in token or _NUMBER.search(token):
            return token
        return token.translate(_LEET_MAP)

    return _LEET_TOKEN.sub(_fold, text)


# A post is normalized by the analyzer, then again by each head and reader that gets its clean
# text: short texts keep their views for the next caller (the views are immutable).
_CACHED_UP_TO_CHARS = 2_000


def normalize(text: str, *, max_chars: int | None = None) -> NormalizedText:
    """Compute the three views of ``text`` (see the module docstring)."""
    if max_chars is not None:
        text = text[:max_chars]
    if len(text) <= _CACHED_UP_TO_CHARS:
        return _normalize_cached(text)
    return _normalize(text)


@lru_cache(maxsize=4096)
def _normalize_cached(text: str) -> NormalizedText:
    return _normalize(text)


def forget_normalized() -> None:
    """Drop the memo of recent normalizations (speed measurements must not time its hits)."""
    _normalize_cached.cache_clear()


def _normalize(text: str) -> NormalizedText:
    clean = clean_unicode(text)
    normalized = normalize_arabic(clean).translate(_DIGIT_MAP)
    normalized = fold_lookalikes(normalized.lower())
    normalized = join_spaced_letters(collapse_elongation(normalized))
    folded = collapse_elongation(join_spaced_letters(fold_leet(normalized)))
    return NormalizedText(original=text, clean=clean, normalized=normalized, folded=folded)


def normalize_for_model(text: str) -> str:
    """The single normalizer applied to every model input, at training and inference time."""
    return normalize(text).normalized

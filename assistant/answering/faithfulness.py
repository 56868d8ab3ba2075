"""Faithfulness of an LLM draft: every number, URL, phone number and product name it states
must appear in its sources or in the member's post, and it may neither add a negation to a fact
nor drop one (``negation_violations``).

Dates, durations, prices and percentages are checked through their numbers, including the
common number words (``three``, ``ثلاثة``, ``يومين``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.text.normalize import normalize

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|sa|ae|eg|example|shop|store|ly)(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s-]{6,}\d(?![\w.])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
    "half": 0.5,
    "واحد": 1,
    "اثنين": 2,
    "اثنان": 2,
    "يومين": 2,
    "اسبوعين": 2,
    "شهرين": 2,
    "ساعتين": 2,
    "ثلاث": 3,
    "ثلاثه": 3,
    "اربع": 4,
    "اربعه": 4,
    "خمس": 5,
    "خمسه": 5,
    "سته": 6,
    "ست": 6,
    "سبع": 7,
    "سبعه": 7,
    "ثماني": 8,
    "ثمانيه": 8,
    "ثمان": 8,
    "تسع": 9,
    "تسعه": 9,
    "عشر": 10,
    "عشره": 10,
    "عشرين": 20,
    "ثلاثين": 30,
    "خمسين": 50,
    "مئه": 100,
    "ميه": 100,
    "نص": 0.5,
    "نصف": 0.5,
}
_WORD = re.compile(r"[^\W\d_]+")
_TRAILING = ".,;:!?)]}'\"،؛؟"


def _norm(text: str) -> str:
    return normalize(text).normalized


def urls(text: str) -> set[str]:
    return {
        u.rstrip(_TRAILING).lower().removeprefix("https://").removeprefix("http://")
        for u in _URL.findall(normalize(text).clean)
    }


def phones(text: str) -> set[str]:
    return {re.sub(r"\D", "", p) for p in _PHONE.findall(_norm(text))}


def numbers(text: str) -> set[float]:
    """Numeric values in ``text``: digits (any script, thousands separators) and number words."""
    normalized = _URL.sub(" ", _norm(text))
    values: set[float] = set()
    for raw in _NUMBER.findall(normalized):
        raw = re.sub(r",(?=\d{3}(?!\d))", "", raw)
        for part in raw.split(","):
            try:
                values.add(float(part))
            except ValueError:
                continue
    values.update(_NUMBER_WORDS[w] for w in _WORD.findall(normalized) if w in _NUMBER_WORDS)
    return values


def violations(
    draft: str, sources: Iterable[str], post: str, *, product_names: Iterable[str] = ()
) -> list[str]:
    """What ``draft`` states that neither its sources nor the post contain; empty if faithful."""
    evidence = "\n".join([*sources, post])
    found: list[str] = []
    known_numbers = numbers(evidence) | {float(d) for d in phones(evidence) if len(d) < 16}
    known_phones = phones(evidence)
    for phone in sorted(phones(draft) - known_phones):
        if not any(phone in p or p in phone for p in known_phones):
            found.append(f"phone number {phone} is not in the sources")
    draft_without_phones = _PHONE.sub(" ", _norm(draft))
    for value in sorted(numbers(draft_without_phones) - known_numbers):
        found.append(f"number {value:g} is not in the sources")
    known_urls = urls(evidence)
    for url in sorted(urls(draft) - known_urls):
        if not any(url in k for k in known_urls):
            found.append(f"link {url} is not in the sources")
    normalized_draft, normalized_evidence = _norm(draft), _norm(evidence)
    for name in product_names:
        key = _norm(name)
        if len(key) >= 4 and key in normalized_draft and key not in normalized_evidence:
            found.append(f"product '{name}' is not in the sources")
    return found


# Negation words after normalization, English and Arabic (MSA and dialects). "ما" is also
# "what": a false alarm only sends the draft back to the grounded template, a missed one ships
# the opposite of a fact.
_NEGATIONS = frozenset(
    {
        "not", "no", "never", "cannot", "without", "none", "nothing",
        "لا", "ليس", "ليست", "لست", "لسنا", "لن", "لم", "ما", "مش", "مو", "مب", "بدون",
        "مافي", "مافيه", "ماكو", "ماعندنا", "لايوجد", "ممنوع",
    }
)  # fmt: skip
_CONTRACTION = re.compile(r"n't\b|n’t\b")
_SENTENCES = re.compile(r"[^.!?؟\n;؛]+")
_MIN_CONTENT_LENGTH = 3


def _sentences(text: str) -> list[tuple[bool, set[str]]]:
    """Each sentence: whether it negates, and its content words (negations left out)."""
    out = []
    for sentence in _SENTENCES.findall(_CONTRACTION.sub(" not", _norm(text))):
        words = _WORD.findall(sentence)
        negated = any(w in _NEGATIONS for w in words)
        content = {w for w in words if len(w) >= _MIN_CONTENT_LENGTH and w not in _NEGATIONS}
        if content:
            out.append((negated, content))
    return out


def negation_violations(draft: str, evidence: Iterable[str]) -> list[str]:
    """A draft sentence that negates what no negating evidence sentence talks about, or that
    restates most of a negating evidence sentence without its negation."""
    known = [s for text in evidence for s in _sentences(text)]
    found: list[str] = []
    for negated, words in _sentences(draft):
        if negated:
            if not any(neg and words & known_words for neg, known_words in known):
                found.append(f"negation about '{_few(words)}' is not in the sources")
            continue
        for neg, known_words in known:
            shared = words & known_words
            if neg and len(shared) >= 2 and len(shared) * 2 >= len(known_words):
                found.append(f"the sources negate '{_few(shared)}' and the draft does not")
                break
    return found


def _few(words: set[str]) -> str:
    return " ".join(sorted(words)[:4])

"""Faithfulness of an LLM draft: every number, URL, phone number and product name it states
must appear in its sources or in the member's post, and it may neither add a negation to a fact
nor drop one (``negation_violations``).

Dates, durations, prices and percentages are checked through their numbers, including the
common number words (``three``, ``ثلاثة``, ``يومين``). The number and negation words are
data: ``prompts/answering/faithfulness.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.text.normalize import normalize

LEXICON_FILE = "faithfulness.yaml"


class Lexicon(BaseModel):
    """The words the check reads, in normalized form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    number_words: dict[str, float]
    negations: frozenset[str]


@lru_cache(maxsize=4)
def load_lexicon(prompts_dir: Path | None = None) -> Lexicon:
    """``prompts/answering/faithfulness.yaml`` (the configured prompts directory by default)."""
    if prompts_dir is None:
        from assistant.config import get_settings

        prompts_dir = get_settings().prompts_dir
    path = prompts_dir / "answering" / LEXICON_FILE
    return Lexicon.model_validate(yaml.safe_load(path.read_text("utf-8")))


_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|sa|ae|eg|example|shop|store|ly)(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s-]{6,}\d(?![\w.])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
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
    words = load_lexicon().number_words
    normalized = _URL.sub(" ", _norm(text))
    values: set[float] = set()
    for raw in _NUMBER.findall(normalized):
        raw = re.sub(r",(?=\d{3}(?!\d))", "", raw)
        for part in raw.split(","):
            try:
                values.add(float(part))
            except ValueError:
                continue
    values.update(words[w] for w in _WORD.findall(normalized) if w in words)
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


_CONTRACTION = re.compile(r"n't\b|n’t\b")
_SENTENCES = re.compile(r"[^.!?؟\n;؛]+")
_MIN_CONTENT_LENGTH = 3


def _sentences(text: str) -> list[tuple[bool, set[str]]]:
    """Each sentence: whether it negates, and its content words (negations left out)."""
    negations = load_lexicon().negations
    out = []
    for sentence in _SENTENCES.findall(_CONTRACTION.sub(" not", _norm(text))):
        words = _WORD.findall(sentence)
        negated = any(w in negations for w in words)
        content = {w for w in words if len(w) >= _MIN_CONTENT_LENGTH and w not in negations}
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

"""Words of posts for topic work: normalized tokens without stopwords, light stems, and
cross-language concepts (``§delivery`` for توصيل, شحن, delivery…) from the shop glossary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from assistant.answering.tokenize import light_stem
from assistant.community import texts
from assistant.text.normalize import collapse_elongation, normalize

CONCEPT = "§"
_WORD = re.compile(r"[^\W\d_]{2,}")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")


def is_arabic(word: str) -> bool:
    return bool(_ARABIC.match(word))


_ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")
_CLITICS = "لبو"


def strip_article(word: str) -> str:
    for prefix in _ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def known_words(normalized_texts: Iterable[str]) -> frozenset[str]:
    """Words seen on their own at least twice: a leading ل/ب/و is a clitic only when the rest
    is one of them (``لجده`` → ``جده``, but ``بطاقه`` stays)."""
    counts = Counter(strip_article(w) for w in _WORD.findall(" ".join(normalized_texts)))
    return frozenset(w for w, n in counts.items() if n >= 2)


@dataclass(frozen=True)
class Vocabulary:
    stopwords: frozenset[str]
    concept_of: dict[str, str]  # normalized word or stem → concept
    priority: tuple[str, ...]
    names: dict[str, dict[str, str]]
    known: frozenset[str] = frozenset()
    draft_topics: tuple[str, ...] = ()

    def with_known(self, known: frozenset[str]) -> Vocabulary:
        return replace(self, known=known)

    def base(self, word: str) -> str:
        """An Arabic word without its article and, when the rest is a known word, a clitic."""
        if not is_arabic(word):
            return word
        word = strip_article(word)
        if len(word) >= 4 and word[0] in _CLITICS:
            rest = strip_article(word[1:])
            if rest in self.known:
                return rest
        return word

    def tokens(self, normalized: str) -> list[str]:
        """Content words of an already normalized text, then its concepts (``§name``)."""
        words: list[str] = []
        concepts: list[str] = []
        for word in _WORD.findall(normalized):
            base = self.base(word)
            concept = (
                self.concept_of.get(word)
                or self.concept_of.get(base)
                or (self.concept_of.get(light_stem(base)) if is_arabic(base) else None)
            )
            if concept is not None and CONCEPT + concept not in concepts:
                concepts.append(CONCEPT + concept)
            if word in self.stopwords or base in self.stopwords or len(base) < 2:
                continue
            words.append(base)
        return words + concepts

    def main_concept(self, tokens: Iterable[str]) -> str | None:
        found = {t[1:] for t in tokens if t.startswith(CONCEPT)}
        return next((c for c in self.priority if c in found), None)

    def name(self, concept: str, language: str) -> str:
        names = self.names.get(concept)
        return names[language] if names else concept


@lru_cache(maxsize=4)
def load_vocabulary(prompts_dir: Path) -> Vocabulary:
    stop = texts.stopwords(prompts_dir)
    concept_texts = texts.concepts(prompts_dir)
    glossary_path = prompts_dir / "answering" / "glossary.yaml"
    groups: dict[str, list[str]] = {}
    if glossary_path.is_file():
        data = yaml.safe_load(glossary_path.read_text("utf-8")) or {}
        groups.update({k: [str(w) for w in v] for k, v in (data.get("groups") or {}).items()})
    for name, words in concept_texts.extra_words.items():
        groups.setdefault(name, []).extend(words)
    excluded = {normalize(w).normalized for w in concept_texts.not_concepts}
    concept_of: dict[str, str] = {}
    for name in sorted(groups, key=lambda n: _rank(n, concept_texts.priority)):
        for word in groups[name]:
            for form in _forms(word) - excluded:
                concept_of.setdefault(form, name)
    stopwords = frozenset(normalize(w).normalized for w in (*stop.ar, *stop.en))
    return Vocabulary(
        stopwords=stopwords,
        concept_of=concept_of,
        priority=tuple(concept_texts.priority),
        names={k: {"ar": v.ar, "en": v.en} for k, v in concept_texts.names.items()},
        draft_topics=tuple(concept_texts.draft_topics),
    )


def _rank(name: str, priority: list[str]) -> int:
    return priority.index(name) if name in priority else len(priority)


def _forms(word: str) -> set[str]:
    normalized = normalize(word).normalized.strip()
    if not normalized or " " in normalized:
        return set()
    if not is_arabic(normalized):
        return {normalized}
    return {normalized, strip_article(normalized), light_stem(normalized)}


class _HasText(Protocol):
    @property
    def normalized(self) -> str: ...

    @property
    def text(self) -> str: ...


def top_words(
    records: Sequence[_HasText], vocabulary: Vocabulary, *, top: int = 5, sample: int = 5000
) -> tuple[dict[str, list[str]], list[str]]:
    """The most used content words per language, as members write them (``العباية``), and
    the draft-topic concepts by how many posts mention them."""
    step = max(1, len(records) // sample)
    picked = records[::step]
    counts: Counter[str] = Counter()
    concepts: Counter[str] = Counter()
    for record in picked:
        tokens = set(vocabulary.tokens(record.normalized))
        counts.update(t for t in tokens if not t.startswith(CONCEPT))
        concepts.update(t[1:] for t in tokens if t[1:] in vocabulary.draft_topics)
    ranked = [c for c, _ in sorted(concepts.items(), key=lambda kv: (-kv[1], kv[0]))]
    out: dict[str, list[str]] = {"ar": [], "en": []}
    for word, _ in counts.most_common():
        bucket = out["ar" if is_arabic(word) else "en"]
        if len(bucket) < top and len(word) >= 3:
            bucket.append(_surface(word, picked, vocabulary))
        if all(len(v) >= top for v in out.values()):
            break
    return out, ranked


def _surface(base: str, records: Sequence[_HasText], vocabulary: Vocabulary) -> str:
    """The spelling members use most for ``base`` (diacritics and elongation removed)."""
    forms: Counter[str] = Counter()
    for record in records:
        if base not in record.normalized:
            continue
        for word in _WORD.findall(normalize(record.text).clean.lower()):
            plain = collapse_elongation(_DIACRITICS.sub("", word))
            if vocabulary.base(normalize(plain).normalized) == base:
                forms[plain] += 1
        if sum(forms.values()) >= 50:
            break
    return forms.most_common(1)[0][0] if forms else base

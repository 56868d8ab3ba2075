"""Recurring questions and bursts of questions on one topic.

Questions are grouped by the cross-language concept they mention first in the concept priority
(``prompts/community/concepts.yaml``: delivery, returns, sizes…), so an Arabic dialect question and
an English one about delivery meet. Questions with no known concept are clustered by their words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, Field
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.community.records import PostRecord
from assistant.community.vocabulary import CONCEPT, Vocabulary, is_arabic
from assistant.config import CommunitySettings
from assistant.text.normalize import normalize

COHESION = 0.3


class QuestionGroup(BaseModel):
    key: str = Field(description="the concept, or 'words:' and the cluster's top words")
    concept: str | None
    name: dict[str, str] = Field(description="what the questions are about, per language")
    questions: int
    language: str
    focus: dict[str, str | None] = Field(
        description="a word most of these questions share (a city, a product), per language"
    )
    representative: str = Field(description="the most typical question, as a member wrote it")
    example_post_ids: list[int]


class QuestionBurst(BaseModel):
    key: str
    concept: str | None
    name: dict[str, str]
    start: date
    end: date = Field(description="last day of the window (inclusive)")
    days: int
    questions: int
    usual: float = Field(description="questions on this topic expected in as many days")
    factor: float
    focus: dict[str, str | None]
    example_post_ids: list[int]


@dataclass
class _Group:
    key: str
    concept: str | None
    name: dict[str, str]
    records: list[PostRecord]
    tokens: list[list[str]]


def _local_day(record: PostRecord, tz: ZoneInfo) -> date:
    return record.at.astimezone(tz).date()


def _group_questions(
    questions: Sequence[PostRecord], vocabulary: Vocabulary, min_size: int
) -> list[_Group]:
    by_concept: dict[str, _Group] = {}
    leftovers: list[tuple[PostRecord, list[str]]] = []
    for record in questions:
        tokens = vocabulary.tokens(record.normalized)
        concept = vocabulary.main_concept(tokens)
        if concept is None:
            leftovers.append((record, tokens))
            continue
        group = by_concept.get(concept)
        if group is None:
            name = {lang: vocabulary.name(concept, lang) for lang in ("ar", "en")}
            group = by_concept[concept] = _Group(concept, concept, name, [], [])
        group.records.append(record)
        group.tokens.append(tokens)
    return [*by_concept.values(), *_cluster_leftovers(leftovers, min_size)]


def _cluster_leftovers(items: list[tuple[PostRecord, list[str]]], min_size: int) -> list[_Group]:
    if len(items) < max(min_size, 2):
        return []
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=2, max_df=0.5)
    try:
        matrix = vectorizer.fit_transform([tokens for _, tokens in items])
    except ValueError:
        return []
    k = max(1, min(10, len(items) // (min_size * 3)))
    model = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=2048)
    labels = model.fit_predict(matrix)
    terms = vectorizer.get_feature_names_out()
    groups: list[_Group] = []
    for cluster in range(k):
        members = np.flatnonzero(labels == cluster)
        if len(members) < min_size:
            continue
        center = model.cluster_centers_[cluster]
        norm = float(np.linalg.norm(center)) or 1.0
        cohesion = float(np.asarray(matrix[members] @ (center / norm)).mean())
        if cohesion < COHESION:
            continue
        top = [str(terms[i]) for i in np.argsort(-center)[:2] if center[i] > 0]
        label = " ".join(top)
        groups.append(
            _Group(
                f"words:{'+'.join(top)}",
                None,
                {"ar": label, "en": label},
                [items[i][0] for i in members],
                [items[i][1] for i in members],
            )
        )
    return groups


def _focus(
    inside: Sequence[tuple[PostRecord, list[str]]],
    outside: Sequence[list[str]],
    *,
    min_share: float = 0.3,
) -> dict[str, str | None]:
    """The word that marks ``inside`` against ``outside``, per script."""
    result: dict[str, str | None] = {"ar": None, "en": None}
    for language in ("ar", "en"):
        docs = [
            {t for t in tokens if not t.startswith(CONCEPT) and is_arabic(t) == (language == "ar")}
            for _, tokens in inside
        ]
        docs = [d for d in docs if d]
        counts = Counter(t for d in docs for t in d)
        if not counts:
            continue
        outside_counts = Counter(t for d in outside for t in set(d))
        n_out = max(1, len(outside))
        best, best_score = None, 0.0
        for term, n in counts.items():
            share = n / len(docs)
            if share < min_share:
                continue
            score = share - outside_counts[term] / n_out
            if score > best_score or (score == best_score and best is not None and term < best):
                best, best_score = term, score
        result[language] = best
    return result


def _representative(records: Sequence[PostRecord], tokens: Sequence[list[str]]) -> PostRecord:
    frequency = Counter(t for ts in tokens for t in set(ts))
    best = max(
        range(len(records)),
        key=lambda i: (sum(frequency[t] for t in set(tokens[i])) / (len(tokens[i]) + 2), -i),
    )
    return records[best]


def _language(records: Sequence[PostRecord]) -> str:
    arabic = sum(r.language in ("ar", "arabizi", "mixed") for r in records)
    return "ar" if arabic * 2 >= len(records) else "en"


def _public(group: _Group) -> QuestionGroup:
    representative = _representative(group.records, group.tokens)
    focus = _focus(list(zip(group.records, group.tokens, strict=True)), [], min_share=0.4)
    return QuestionGroup(
        key=group.key,
        concept=group.concept,
        name=group.name,
        questions=len(group.records),
        language=_language(group.records),
        focus=focus,
        representative=normalize(representative.text).clean[:300],
        example_post_ids=[r.id for r in group.records[-5:]],
    )


@dataclass
class QuestionFindings:
    recurring: list[QuestionGroup]
    bursts: list[QuestionBurst]
    post_ids: dict[str, list[int]]  # group key → every question's post id
    notes: list[str]
    burst_post_ids: dict[str, list[int]] = field(default_factory=dict)


def analyze_questions(
    questions: Sequence[PostRecord],
    *,
    vocabulary: Vocabulary,
    config: CommunitySettings,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
) -> QuestionFindings:
    groups = _group_questions(questions, vocabulary, config.faq_min_questions)
    recurring = sorted(
        (_public(g) for g in groups if len(g.records) >= config.faq_min_questions),
        key=lambda g: (-g.questions, g.key),
    )
    notes: list[str] = []
    period_days = (last_day - first_day).days + 1
    window = config.burst_window_days
    bursts: list[QuestionBurst] = []
    burst_ids: dict[str, list[int]] = {}
    if period_days < 2 * window:
        notes.append(
            f"bursts need a period of at least {2 * window} days to compare against "
            f"(this one has {period_days})"
        )
    else:
        for group in groups:
            found = _burst(group, config, tz, first_day, period_days)
            if found is not None:
                bursts.append(found[0])
                burst_ids[group.key] = found[1]
        bursts.sort(key=lambda b: (-b.questions, b.key))
    post_ids = {g.key: [r.id for r in g.records] for g in groups}
    return QuestionFindings(recurring, bursts, post_ids, notes, burst_ids)


def _burst(
    group: _Group, config: CommunitySettings, tz: ZoneInfo, first_day: date, period_days: int
) -> tuple[QuestionBurst, list[int]] | None:
    window = config.burst_window_days
    per_day = np.zeros(period_days, dtype=np.int64)
    day_of: list[int] = []
    for record in group.records:
        index = min(max((_local_day(record, tz) - first_day).days, 0), period_days - 1)
        per_day[index] += 1
        day_of.append(index)
    sums = np.convolve(per_day, np.ones(window, dtype=np.int64), mode="valid")
    start = int(np.argmax(sums))
    in_window = int(sums[start])
    usual = (len(group.records) - in_window) * window / (period_days - window)
    if in_window < config.burst_min_questions or in_window < config.burst_factor * max(usual, 1.0):
        return None
    inside: list[tuple[PostRecord, list[str]]] = []
    outside: list[list[str]] = []
    by_day: dict[bool, list[int]] = defaultdict(list)
    for record, tokens, day in zip(group.records, group.tokens, day_of, strict=True):
        hit = start <= day < start + window
        by_day[hit].append(record.id)
        if hit:
            inside.append((record, tokens))
        else:
            outside.append(tokens)
    burst = QuestionBurst(
        key=group.key,
        concept=group.concept,
        name=group.name,
        start=first_day + timedelta(days=start),
        end=first_day + timedelta(days=start + window - 1),
        days=window,
        questions=in_window,
        usual=round(usual, 1),
        factor=round(in_window / max(usual, 1.0), 1),
        focus=_focus(inside, outside),
        example_post_ids=by_day[True][:5],
    )
    return burst, by_day[True]

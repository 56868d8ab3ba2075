"""Top topics of a group: posts clustered with MiniBatchKMeans, each cluster named by its
keywords in the posts' language.

Two representations (``community.topic_method``):
- ``tfidf`` (default): TF-IDF of the normalized text's content words plus cross-language concepts
  (``§delivery`` joins توصيل, شحن and delivery). Fit on up to ``topic_sample_size`` posts, then
  every post is assigned; 100,000 posts take seconds on two cores.
- ``embedder`` / ``fast_embedder``: the configured embedding role on a sample of
  ``embed_sample_size`` posts (a real model embeds 30-450 posts a second, too slow for all posts
  of a big group); counts are scaled to the whole period.
Keywords always come from the words, so names stay readable either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.community.records import PostRecord
from assistant.community.vocabulary import CONCEPT, Vocabulary, is_arabic
from assistant.config import Settings

MIN_POSTS = 20
SEED = 0


class Topic(BaseModel):
    label: str = Field(description="the cluster's top keywords in its main language")
    language: str
    keywords: dict[str, list[str]] = Field(description="top keywords per language (ar, en)")
    concept: str | None = Field(None, description="the cross-language concept it is mostly about")
    posts: int
    share: float
    example_post_ids: list[int]


class TopicResult(BaseModel):
    topics: list[Topic]
    method: str
    clustered_posts: int
    note: str | None = None


def _vectorizer(vocabulary: Vocabulary, n_docs: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=vocabulary.tokens,
        min_df=2 if n_docs < 2000 else 3,
        max_df=0.5,
        max_features=30_000,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _k(n_docs: int, topics_max: int) -> int:
    return max(2, min(topics_max, n_docs // 40))


def _language(records: Sequence[PostRecord]) -> str:
    arabic = sum(r.language in ("ar", "arabizi") or _mostly_arabic(r.normalized) for r in records)
    return "ar" if arabic * 2 >= len(records) else "en"


def _mostly_arabic(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(is_arabic(c) for c in letters) * 2 >= len(letters)


def keywords_by_language(
    weights: np.ndarray[Any, Any], terms: np.ndarray[Any, Any], *, top: int = 6
) -> dict[str, list[str]]:
    order = np.argsort(-weights)
    out: dict[str, list[str]] = {"ar": [], "en": []}
    for index in order:
        if weights[index] <= 0 or all(len(v) >= top for v in out.values()):
            break
        term = str(terms[index])
        if term.startswith(CONCEPT):
            continue
        bucket = out["ar"] if is_arabic(term) else out["en"]
        if len(bucket) < top:
            bucket.append(term)
    return out


def find_topics(
    records: Sequence[PostRecord], *, vocabulary: Vocabulary, settings: Settings
) -> TopicResult:
    config = settings.community
    usable = [r for r in records if r.usable and r.normalized.strip()]
    if len(usable) < MIN_POSTS:
        return TopicResult(
            topics=[],
            method=config.topic_method,
            clustered_posts=len(usable),
            note=f"too few posts for topics ({len(usable)}; at least {MIN_POSTS} are needed)",
        )
    if config.topic_method == "tfidf":
        return _tfidf_topics(usable, vocabulary, config.topics_max, config.topic_sample_size)
    return _embedding_topics(usable, vocabulary, settings)


def _sample(items: Sequence[PostRecord], size: int) -> list[PostRecord]:
    if len(items) <= size:
        return list(items)
    picks = np.random.default_rng(SEED).choice(len(items), size=size, replace=False)
    return [items[i] for i in sorted(picks)]


def _tfidf_topics(
    usable: Sequence[PostRecord], vocabulary: Vocabulary, topics_max: int, sample_size: int
) -> TopicResult:
    fit_on = _sample(usable, sample_size)
    vectorizer = _vectorizer(vocabulary, len(fit_on))
    try:
        fitted = vectorizer.fit_transform([r.normalized for r in fit_on])
    except ValueError:
        return TopicResult(topics=[], method="tfidf", clustered_posts=0, note="no topic words")
    matrix = (
        fitted
        if len(fit_on) == len(usable)
        else vectorizer.transform([r.normalized for r in usable])
    )
    k = _k(len(fit_on), topics_max)
    model = MiniBatchKMeans(n_clusters=k, random_state=SEED, n_init=3, batch_size=2048)
    model.fit(fitted)
    labels = model.predict(matrix)
    terms = vectorizer.get_feature_names_out()
    topics = _name_clusters(usable, labels, model.cluster_centers_, terms, vocabulary, matrix)
    return TopicResult(topics=topics, method="tfidf", clustered_posts=len(usable))


def _embedding_topics(
    usable: Sequence[PostRecord], vocabulary: Vocabulary, settings: Settings
) -> TopicResult:
    from assistant.backends.cache import cached_embed
    from assistant.backends.registry import create

    config = settings.community
    role = config.topic_method
    spec = getattr(settings.backends, role)
    sample = _sample(usable, config.embed_sample_size)
    embedder = create("embedder", spec.name, **spec.options)
    vectors = cached_embed(embedder, [r.text for r in sample], kind="query")
    k = _k(len(sample), config.topics_max)
    model = MiniBatchKMeans(n_clusters=k, random_state=SEED, n_init=3, batch_size=1024)
    labels = model.fit_predict(vectors)
    vectorizer = _vectorizer(vocabulary, len(sample))
    matrix = vectorizer.fit_transform([r.normalized for r in sample])
    centers = np.vstack(
        [
            np.asarray(matrix[labels == c].mean(axis=0)).ravel()
            if (labels == c).any()
            else np.zeros(matrix.shape[1])
            for c in range(k)
        ]
    )
    terms = vectorizer.get_feature_names_out()
    topics = _name_clusters(sample, labels, centers, terms, vocabulary, matrix)
    scale = len(usable) / len(sample)
    for topic in topics:
        topic.posts = round(topic.posts * scale)
    note = f"clustered {len(sample)} sampled posts with the {role} role ({spec.name})"
    return TopicResult(topics=topics, method=role, clustered_posts=len(sample), note=note)


def _name_clusters(
    records: Sequence[PostRecord],
    labels: np.ndarray[Any, Any],
    centers: np.ndarray[Any, Any],
    terms: np.ndarray[Any, Any],
    vocabulary: Vocabulary,
    matrix: Any,
) -> list[Topic]:
    total = len(records)
    topics: list[Topic] = []
    for cluster in range(centers.shape[0]):
        members = np.flatnonzero(labels == cluster)
        if len(members) == 0:
            continue
        keywords = keywords_by_language(centers[cluster], terms)
        cluster_records = [records[int(i)] for i in members]
        language = _language(cluster_records)
        main = keywords[language] or keywords["ar" if language == "en" else "en"]
        if not main:
            continue
        concept_weights = {
            str(terms[i])[1:]: float(centers[cluster][i])
            for i in np.flatnonzero(centers[cluster] > 0)
            if str(terms[i]).startswith(CONCEPT)
        }
        concept = max(concept_weights, key=lambda c: concept_weights[c], default=None)
        scores = np.asarray(matrix[members] @ centers[cluster]).ravel()
        examples = [records[int(members[i])].id for i in np.argsort(-scores)[:3]]
        topics.append(
            Topic(
                label=" · ".join(main[:3]),
                language=language,
                keywords=keywords,
                concept=concept,
                posts=len(members),
                share=round(len(members) / total, 4),
                example_post_ids=examples,
            )
        )
    topics.sort(key=lambda t: -t.posts)
    return topics


def concept_counts(records: Sequence[PostRecord], vocabulary: Vocabulary) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in records:
        concept = vocabulary.main_concept(vocabulary.tokens(record.normalized))
        if concept:
            counts[concept] += 1
    return counts

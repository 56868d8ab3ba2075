"""Building blocks shared by every training recipe: data hygiene, features, metrics, cards."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline

from assistant.backends.base import Matrix
from assistant.backends.cache import cached_embed, forget_recent
from assistant.backends.head import EmbedderRef, embedding_inputs, shared_embedder, text_view
from assistant.config import PROJECT_ROOT
from assistant.schemas import Intent
from assistant.text.arabizi import ArabiziReader, arabic_word_counts
from assistant.text.normalize import forget_normalized, normalize


@dataclass
class Example:
    text: str
    label: str
    meta: dict[str, str] = field(default_factory=dict)


def dedupe(examples: Iterable[Example]) -> tuple[list[Example], int]:
    """Drop repeated texts (after normalization) and texts whose copies disagree on the label.

    Returns the kept examples and how many were dropped.
    """
    groups: dict[str, list[Example]] = {}
    for example in examples:
        key = " ".join(normalize(example.text).normalized.split())
        if key:
            groups.setdefault(key, []).append(example)
    kept = [group[0] for group in groups.values() if len({e.label for e in group}) == 1]
    total = sum(len(g) for g in groups.values())
    return kept, total - len(kept)


def remove_overlap(train: list[Example], test: Sequence[Example]) -> list[Example]:
    """Training examples whose normalized text also appears in the test set are dropped."""
    seen = {" ".join(normalize(e.text).normalized.split()) for e in test}
    return [e for e in train if " ".join(normalize(e.text).normalized.split()) not in seen]


def stratified_split(
    examples: Sequence[Example], test_share: float, seed: int = 13
) -> tuple[list[Example], list[Example]]:
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for e in examples:
        by_label.setdefault(e.label, []).append(e)
    train: list[Example] = []
    test: list[Example] = []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        cut = max(1, round(len(items) * test_share))
        test.extend(items[:cut])
        train.extend(items[cut:])
    return train, test


def fixed_sample(items: Sequence[Example], n: int, *, seed: int = 13) -> list[Example]:
    """A reproducible random subset of at most ``n`` items (for ``quick`` runs)."""
    return random.Random(seed).sample(list(items), min(n, len(items)))


def char_word_tfidf(
    *,
    char_range: tuple[int, int] = (2, 5),
    word_range: tuple[int, int] = (1, 2),
    max_features: int | None = 300_000,
) -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=char_range,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=max_features,
                    dtype=np.float32,
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=word_range,
                    sublinear_tf=True,
                    min_df=1,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=max_features,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def tfidf_logreg(
    *, C: float = 10.0, class_weight: str | None = "balanced", **tfidf: Any
) -> Pipeline:
    return Pipeline(
        [
            ("features", char_word_tfidf(**tfidf)),
            ("clf", LogisticRegression(C=C, max_iter=3000, class_weight=class_weight)),
        ]
    )


# Arabic training words kept for reading Arabizi: seen at least this often (drops typos).
ARABIZI_MIN_COUNT = 2


def arabizi_vocabulary(examples: Iterable[Example], *, min_count: int = 1) -> dict[str, int]:
    """The Arabic words of the training texts (at least ``min_count`` times): the vocabulary a
    head uses to read Arabizi posts in Arabic script."""
    counts = arabic_word_counts(e.text for e in examples)
    return {word: n for word, n in counts.items() if n >= min_count}


def read_arabizi(examples: Sequence[Example], vocabulary: dict[str, int]) -> list[Example]:
    """``examples`` as the head will see them: Arabizi texts read in Arabic script."""
    reader = ArabiziReader(vocabulary)
    return [Example(reader.read(e.text), e.label, e.meta) for e in examples]


def forget_memos() -> None:
    """Empty the in-process memos of embeddings and normalizations, so that a speed
    measurement times the work and not hits on texts evaluated just before."""
    forget_recent()
    forget_normalized()


def posts_per_second(
    predict: Callable[[list[str]], Any],
    texts: Sequence[str],
    *,
    n: int = 1000,
    warm_up: Sequence[str] = (),
) -> float:
    """Texts per second of ``predict`` on ``n`` of ``texts`` (repeated as needed), timed after
    ``warm_up`` has gone through it (lazy loads) and with the in-process memos empty."""
    sample = [texts[i % len(texts)] for i in range(n)]
    if warm_up:
        predict(list(warm_up))
    forget_memos()
    start = time.perf_counter()
    predict(sample)
    return round(n / (time.perf_counter() - start), 1)


def views(examples: Sequence[Example], view: str = "normalized") -> list[str]:
    return text_view([e.text for e in examples], view)


def embed_examples(examples: Sequence[Example], ref: EmbedderRef) -> Matrix:
    embedder = shared_embedder(ref)
    return cached_embed(
        embedder, embedding_inputs([e.text for e in examples]), kind=ref.kind, disk=True
    )


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Primary metric ``macro_f1`` plus accuracy and the per-class report."""
    return {
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "n": len(y_true),
        "support": dict(Counter(y_true)),
        "per_class": {
            k: {m: round(float(v), 4) for m, v in d.items()}
            for k, d in classification_report(
                y_true, y_pred, output_dict=True, zero_division=0
            ).items()
            if isinstance(d, dict) and k not in ("macro avg", "weighted avg")
        },
    }


def sklearn_version() -> str:
    return str(sklearn.__version__)


def write_model_card(directory: Path, title: str, body: str, metrics: dict[str, Any]) -> None:
    """MODEL_CARD.md (human text) and metrics.json (the numbers the card quotes)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    (directory / "MODEL_CARD.md").write_text(f"# {title}\n\n{body.strip()}\n", "utf-8")


def binarized(X: Any) -> Any:
    """A CSR copy of ``X`` with every stored value set to 1 (feature present or not)."""
    from scipy import sparse

    present = sparse.csr_matrix(X, copy=True)
    present.data[:] = 1.0
    return present


def nb_log_count_ratio(
    present: Any, positive: Any, *, weights: Any = None, alpha: float = 1.0
) -> Any:
    """Per-feature naive-Bayes log-count ratio (Wang & Manning 2012) of the ``positive`` rows
    against the rest, from ``binarized`` features; ``weights`` weigh the rows (counts if None)."""

    def counts(rows: Any) -> Any:
        if weights is None:
            return np.asarray(present[rows].sum(axis=0)).ravel() + alpha
        return np.asarray(present[rows].T @ weights[rows]).ravel() + alpha

    p, q = counts(positive), counts(~positive)
    return np.log((p / p.sum()) / (q / q.sum()))


def nb_logreg(
    X: Any,
    y: Sequence[str],
    *,
    C: float = 1.0,
    alpha: float = 1.0,
    sample_weight: Any = None,
    class_weight: str | None = "balanced",
) -> Any:
    """One-vs-rest NB-LR (Wang & Manning 2012) as a plain ``OneVsRestClassifier``.

    Each class's logistic regression is fit on features scaled by that class's naive-Bayes
    log-count ratio; the ratio is then folded into the coefficients, so the stored model is an
    ordinary scikit-learn estimator over the unscaled features.
    """
    from scipy import sparse
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import LabelBinarizer

    labels = np.asarray(y)
    weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
    present = binarized(X)
    binarizer = LabelBinarizer().fit(labels)
    classes = list(binarizer.classes_)
    estimators = []
    for cls in classes if len(classes) > 2 else classes[1:]:
        positive = labels == cls
        ratio = nb_log_count_ratio(present, positive, weights=weights, alpha=alpha)
        model = LogisticRegression(C=C, max_iter=3000, class_weight=class_weight)
        model.fit(
            sparse.csr_matrix(X).multiply(ratio).tocsr(),
            positive.astype(int),
            sample_weight=sample_weight,
        )
        model.coef_ = model.coef_ * ratio[None, :]
        estimators.append(model)
    ovr = OneVsRestClassifier(LogisticRegression())
    ovr.estimators_ = estimators
    ovr.label_binarizer_ = binarizer
    ovr.classes_ = binarizer.classes_
    ovr.n_features_in_ = X.shape[1]
    return ovr


def compact_estimator(estimator: Any) -> Any:
    """Shrink a fitted text pipeline for shipping: drop ``TfidfVectorizer.stop_words_`` (the
    pruned vocabulary, often larger than the model) and store linear coefficients as float32.
    Predictions are unchanged up to float32 rounding."""
    stack = [estimator]
    while stack:
        obj = stack.pop()
        if isinstance(obj, TfidfVectorizer) and hasattr(obj, "stop_words_"):
            del obj.stop_words_
        if isinstance(obj, LogisticRegression):
            obj.coef_ = obj.coef_.astype(np.float32)
            obj.intercept_ = obj.intercept_.astype(np.float32)
        if isinstance(obj, Pipeline):
            stack.extend(step for _, step in obj.steps)
        elif isinstance(obj, FeatureUnion):
            stack.extend(step for _, step in obj.transformer_list)
        stack.extend(getattr(obj, "estimators_", []))
    return estimator


TEAM_SEED_POSTS = PROJECT_ROOT / "models" / "triage" / "seed_examples.jsonl"
# The frozen team-written test posts: never training data, never chosen on.
FROZEN_TEST_POSTS = PROJECT_ROOT / "eval" / "datasets" / "group_posts_test.jsonl"
_INTENTS = {i.value for i in Intent}


def read_team_posts(
    path: Path,
    *,
    labels: Collection[str] = _INTENTS,
    meta_fields: Sequence[str] = ("id", "language", "dialect"),
) -> list[Example]:
    """The team-written posts (triage seeds or frozen test by default), ``meta`` holding
    ``meta_fields``; a label outside ``labels`` is refused with its line."""
    examples = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in labels:
            raise ValueError(f"{path} line {number}: unknown label {row['label']!r}")
        meta = {k: str(row.get(k, "")) for k in meta_fields}
        examples.append(Example(row["text"], row["label"], {**meta, "source": "team"}))
    return examples


def team_posts_binary(
    path: Path, *, positive_intent: str, positive: str, negative: str
) -> list[Example]:
    """The team's posts as a two-label task: ``positive_intent`` posts labelled ``positive``,
    every other intent ``negative``."""
    return [
        Example(e.text, positive if e.label == positive_intent else negative, e.meta)
        for e in read_team_posts(path)
    ]


def arabizi_report(
    raw: Sequence[Example],
    read: Sequence[Example],
    vocabulary: dict[str, int],
    head: Any,
    pipeline: Any,
    *,
    min_count: int,
    positive_intent: str,
    clean_label: str,
    posts: Path = TEAM_SEED_POSTS,
) -> dict[str, Any]:
    """What reading Arabizi did in training (``arabizi_reading_counts``), and
    ``arabizi_seed_check``'s transfer figures on ``posts``."""
    return {
        **arabizi_reading_counts(raw, read, vocabulary, min_count=min_count),
        "team_arabizi_posts": arabizi_seed_check(
            head, pipeline, positive_intent=positive_intent, clean_label=clean_label, posts=posts
        ),
    }


def arabizi_reading_counts(
    raw: Sequence[Example], read: Sequence[Example], vocabulary: dict[str, int], *, min_count: int
) -> dict[str, int]:
    """The reading vocabulary's size (words seen ``min_count`` times) and how many training
    texts reading Arabizi changed (``read`` is ``raw`` after ``read_arabizi``)."""
    return {
        "vocabulary_words": len(vocabulary),
        "vocabulary_min_count": min_count,
        "training_texts_read": sum(a.text != b.text for a, b in zip(raw, read, strict=True)),
    }


def arabizi_seed_check(
    head: Any,
    pipeline: Any,
    *,
    positive_intent: str,
    clean_label: str,
    posts: Path = TEAM_SEED_POSTS,
) -> dict[str, Any]:
    """A transfer check for heads trained without Arabizi: on the Arabizi posts of the team's
    ``posts`` (the triage seeds, or the frozen test for a head that learns from the seeds;
    never training data for this head), how well ``positive_intent`` posts are flagged (any
    label but ``clean_label``, probability ≥ 0.5) when read as Latin text (``pipeline`` alone)
    and when read in Arabic script (``head``, as the service does)."""
    examples = [e for e in read_team_posts(posts) if e.meta["language"] == "arabizi"]
    truth = np.array([e.label == positive_intent for e in examples])
    latin = np.asarray(pipeline.predict_proba(views(examples)))
    clean = [str(c) for c in pipeline.classes_].index(clean_label)
    read = head.predict_proba([e.text for e in examples])
    flagged = {
        "latin": 1.0 - latin[:, clean] >= 0.5,
        "arabic_script": np.array([1.0 - row[clean_label] >= 0.5 for row in read]),
    }
    out: dict[str, Any] = {
        "file": posts.relative_to(PROJECT_ROOT).as_posix(),
        "posts": len(examples),
        "positive": int(truth.sum()),
    }
    for name, predicted in flagged.items():
        hits = int((predicted & truth).sum())
        false_alarms = int((predicted & ~truth).sum())
        misses = int((~predicted & truth).sum())
        out[name] = {
            "recall": round(hits / max(1, hits + misses), 4),
            "false_positives": false_alarms,
            "f1": round(2 * hits / max(1, 2 * hits + false_alarms + misses), 4),
        }
    return out


def arabizi_card_lines(report: dict[str, Any] | None, flagged: str) -> list[str]:
    """The model-card section on reading Arabizi (``report`` from ``arabizi_report``)."""
    if not report:
        return []
    check = report["team_arabizi_posts"]
    seeds = TEAM_SEED_POSTS.relative_to(PROJECT_ROOT).as_posix()
    posts_file = check.get("file", seeds)
    posts_kind = "written for triage" if posts_file == seeds else "the frozen test"
    rows = [
        f"| {name} | {check[key]['recall']} | {check[key]['false_positives']} "
        f"| {check[key]['f1']} |"
        for name, key in (
            ("as Latin text", "latin"),
            ("in Arabic script (shipped)", "arabic_script"),
        )
    ]
    return [
        "## Arabizi",
        "Posts detected as Arabizi are read in Arabic script before the model sees them "
        "(`assistant.text.arabizi.ArabiziReader`; each word's spelling chosen by how often it "
        f"occurs in the Arabic training texts, {report['vocabulary_words']} words seen at least "
        f"{report['vocabulary_min_count']} times, shipped as `arabizi_vocabulary.json`), in "
        "training as at inference "
        f"(training texts read this way: {report['training_texts_read']}). Transfer check on the "
        f"{check['posts']} Arabizi posts of the team's `{posts_file}` ({posts_kind}, never "
        f"training data here), {check['positive']} of them {flagged}:",
        "",
        "| read | recall | false positives | F1 |",
        "|---|---|---|---|",
        *rows,
        "",
    ]

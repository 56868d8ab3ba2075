"""The classifier a suite evaluates, built through the backend registry."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt

from assistant.backends.base import TextClassifier
from assistant.backends.errors import BackendError
from assistant.backends.registry import create
from assistant.config import Settings
from assistant.evaluation.datasets import DatasetError, load_eval_set
from assistant.evaluation.suites import ModelSpec, RejectSpec, Suite


class ModelError(RuntimeError):
    """The suite's model cannot be built; the message names the suite file and the key."""


class FittedClassifier:
    """A plain baseline trained in the run (``model.fit``): TF-IDF + logistic regression."""

    def __init__(self, estimator: Any, name: str) -> None:
        self.estimator = estimator
        self.name = name
        self.labels = [str(c) for c in estimator.classes_]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        from assistant.backends.head import text_view

        matrix = self.estimator.predict_proba(text_view(texts, "normalized"))
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in matrix]


def _fit_key(recipe: str, options: dict[str, Any], texts: list[str], labels: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([recipe, options], sort_keys=True).encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()[:32]


def _fit(suite: Suite, settings: Settings) -> FittedClassifier:
    """Train (or reuse from the on-disk cache, keyed by data and options) a baseline."""
    from assistant.moderation.training.common import dedupe, sklearn_version, tfidf_logreg, views

    fit = suite.classifier_spec.fit
    assert fit is not None
    train_set = load_eval_set(
        fit.train, shared=settings.shared_data_dir, base=suite.folder, allowed=None
    )
    examples, _ = dedupe(train_set.examples)
    options = {"max_features": 50_000, **fit.options}
    texts, labels = views(examples), [e.label for e in examples]
    key = _fit_key(f"{fit.recipe}@{sklearn_version()}", options, texts, labels)
    path = settings.data_dir / "cache" / "eval-fits" / f"{key}.joblib"
    if path.is_file():
        model = joblib.load(path)
    else:
        model = tfidf_logreg(**options)
        model.fit(texts, labels)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(model, path, compress=3)
    return FittedClassifier(model, f"fit:{fit.recipe}({train_set.origin}, n={len(examples)})")


class MappedClassifier:
    """Merges label columns (``model.label_map``, e.g. ``hate`` into ``offensive``) and keeps
    only ``model.restrict_to`` (renormalized), e.g. positive/negative on a set without neutral."""

    def __init__(
        self, inner: TextClassifier, label_map: dict[str, str], restrict_to: list[str] | None
    ) -> None:
        self.inner = inner
        self.label_map = label_map
        self.restrict_to = restrict_to
        self.name = inner.name
        merged = dict.fromkeys(label_map.get(x, x) for x in inner.labels)
        self.labels = [x for x in merged if restrict_to is None or x in restrict_to]
        self.reject = getattr(inner, "reject", None)

    def _map(self, row: dict[str, float]) -> dict[str, float]:
        merged: dict[str, float] = {}
        for label, p in row.items():
            target = self.label_map.get(label, label)
            if self.restrict_to is None or target in self.restrict_to:
                merged[target] = merged.get(target, 0.0) + p
        total = sum(merged.values())
        if self.restrict_to is not None and total > 0:
            merged = {label: p / total for label, p in merged.items()}
        return merged

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [self._map(row) for row in self.inner.predict_proba(texts)]


def build_classifier(suite: Suite, settings: Settings) -> tuple[TextClassifier, float]:
    """The classifier and its load (or training) time in seconds."""
    spec: ModelSpec = suite.classifier_spec
    where = f"{suite.path or suite.name}: key 'model'"
    started = time.perf_counter()
    try:
        if spec.fit is not None:
            classifier: TextClassifier = _fit(suite, settings)
        elif spec.role is not None:
            backend = getattr(settings.backends, spec.role)
            classifier = create("classifier", backend.name, **backend.options)
        else:
            assert spec.backend is not None
            classifier = create("classifier", spec.backend, **spec.options)
    except DatasetError as exc:
        raise ModelError(f"{where}.fit.train: {exc}") from None
    except (BackendError, TypeError) as exc:
        raise ModelError(f"{where}: the model is not available: {exc}") from None
    if spec.label_map or spec.restrict_to:
        classifier = MappedClassifier(classifier, spec.label_map, spec.restrict_to)
    return classifier, time.perf_counter() - started


def reject_of(suite: Suite, classifier: TextClassifier) -> RejectSpec | None:
    if suite.classifier_spec.reject is not None:
        return suite.classifier_spec.reject
    found = getattr(classifier, "reject", None)
    if found is None:
        return None
    return RejectSpec(below=float(found.below), label=str(found.label))


def probability_matrix(
    rows: Sequence[dict[str, float]], columns: Sequence[str]
) -> npt.NDArray[np.float64]:
    return np.array([[row.get(c, 0.0) for c in columns] for row in rows], dtype=np.float64)


def score_columns(classifier: TextClassifier, probe: dict[str, float]) -> list[str]:
    """The labels the model gives probabilities for, in its own order."""
    declared = [label for label in classifier.labels if label in probe]
    return declared or list(probe)


def shared_missing(suite: Suite, settings: Settings) -> str | None:
    shared: Path = settings.shared_data_dir
    if suite.needs_shared_data and not shared.is_dir():
        return f"suite '{suite.name}' needs the shared datasets, not found at {shared}"
    return None

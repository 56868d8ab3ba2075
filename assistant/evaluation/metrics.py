"""Quality metrics of one run, from scikit-learn and scipy.

Every function takes plain arrays and returns JSON-ready dicts; the runner composes them.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CURVE_POINTS = 200
_WORDS = re.compile(r"[^\W_]+")


def _r(value: float) -> float:
    return round(float(value), 4)


def classification_scores(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro/micro/weighted F1, per-class P/R/F1/support and the confusion matrix.

    Macro-F1 averages the labels that occur in ``y_true`` (as the training recipes report it):
    a slice with one true label is not dragged to 1/3 by labels it never has.
    """
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    in_data = [label for label in labels if label in set(y_true)]
    return {
        "n": len(y_true),
        "accuracy": _r(accuracy_score(y_true, y_pred)),
        "macro_f1": _r(f1_score(y_true, y_pred, labels=in_data, average="macro", zero_division=0)),
        "micro_f1": _r(f1_score(y_true, y_pred, labels=labels, average="micro", zero_division=0)),
        "weighted_f1": _r(
            f1_score(y_true, y_pred, labels=in_data, average="weighted", zero_division=0)
        ),
        "per_class": {
            label: {
                "precision": _r(p),
                "recall": _r(r),
                "f1": _r(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }


def _thin(*arrays: FloatArray, points: int = CURVE_POINTS) -> list[list[float]]:
    """Keep at most ``points`` evenly spaced points of parallel curve arrays (for reports)."""
    size = len(arrays[0])
    keep = np.unique(np.linspace(0, size - 1, min(size, points)).round().astype(int))
    return [[_r(a[i]) for a in arrays] for i in keep]


def binary_curves(truth: npt.NDArray[np.bool_], score: FloatArray) -> dict[str, Any]:
    """ROC-AUC, PR-AUC (average precision) and both curves for one positive label."""
    if truth.all() or not truth.any():
        return {"skipped": "the positive label is absent or the only label in the data"}
    fpr, tpr, _ = roc_curve(truth, score)
    precision, recall, _ = precision_recall_curve(truth, score)
    return {
        "roc_auc": _r(roc_auc_score(truth, score)),
        "pr_auc": _r(average_precision_score(truth, score)),
        "prevalence": _r(truth.mean()),
        "roc_curve": _thin(fpr, tpr),
        "pr_curve": _thin(recall, precision),
    }


def multiclass_auc(
    y_true: Sequence[str], proba: FloatArray, labels: Sequence[str]
) -> dict[str, float] | None:
    """Macro one-vs-rest ROC-AUC, when every model label occurs in the data."""
    if set(y_true) != set(labels) or len(labels) < 3:
        return None
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    scores = proba[:, order]
    scores = scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)
    ordered = [labels[i] for i in order]
    return {
        "roc_auc_ovr_macro": _r(
            roc_auc_score(list(y_true), scores, multi_class="ovr", labels=ordered)
        )
    }


def threshold_sweep(
    truth: npt.NDArray[np.bool_],
    score: FloatArray,
    *,
    maximize: str = "f1",
    min_precision: float | None = None,
    min_recall: float | None = None,
    steps: int = 99,
) -> dict[str, Any]:
    """Precision, recall, F1 and flagged share at thresholds 0.01…0.99, and the chosen point."""
    rows = []
    for threshold in np.linspace(0.01, 0.99, steps):
        flagged = score >= threshold
        p, r, f, _ = precision_recall_fscore_support(
            truth, flagged, average="binary", zero_division=0
        )
        rows.append(
            {
                "threshold": _r(threshold),
                "precision": _r(p),
                "recall": _r(r),
                "f1": _r(f),
                "flagged_share": _r(flagged.mean()),
            }
        )
    eligible = [
        row
        for row in rows
        if (min_precision is None or row["precision"] >= min_precision)
        and (min_recall is None or row["recall"] >= min_recall)
    ]
    chosen = max(eligible, key=lambda row: (row[maximize], row["f1"])) if eligible else None
    rule = f"max {maximize}"
    if min_precision is not None:
        rule += f" with precision ≥ {min_precision}"
    if min_recall is not None:
        rule += f" with recall ≥ {min_recall}"
    return {"rows": rows, "operating_point": chosen, "rule": rule}


def calibration(
    correct: npt.NDArray[np.bool_], confidence: FloatArray, n_bins: int = 10
) -> dict[str, Any]:
    """Expected calibration error of the top-label confidence and the reliability curve."""
    confidence = np.clip(confidence, 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], confidence), minlength=n_bins)
    if correct.all() or not correct.any():
        accuracy_in_bin = np.full(int((counts > 0).sum()), float(correct.mean()))
        mean_conf = np.array(
            [
                confidence[np.searchsorted(edges[1:-1], confidence) == b].mean()
                for b in np.flatnonzero(counts)
            ]
        )
    else:
        accuracy_in_bin, mean_conf = calibration_curve(
            correct, confidence, n_bins=n_bins, strategy="uniform"
        )
    nonempty = counts[counts > 0]
    ece = float(np.sum(nonempty / len(confidence) * np.abs(accuracy_in_bin - mean_conf)))
    return {
        "ece": _r(ece),
        "bins": n_bins,
        "reliability": [
            {"confidence": _r(c), "accuracy": _r(a), "count": int(n)}
            for c, a, n in zip(mean_conf, accuracy_in_bin, nonempty, strict=True)
        ],
    }


def confusion_counts(true_codes: IntArray, pred_codes: IntArray, k: int) -> IntArray:
    """Confusion counts for a batch of resamples: ``(..., n)`` codes → ``(..., k, k)``."""
    flat = true_codes * k + pred_codes
    batch = flat.reshape(-1, flat.shape[-1])
    offsets = np.arange(batch.shape[0])[:, None] * k * k
    counts = np.bincount((batch + offsets).ravel(), minlength=batch.shape[0] * k * k)
    return counts.reshape((*flat.shape[:-1], k, k))


def scores_from_confusion(cm: IntArray) -> FloatArray:
    """``[macro_f1, micro_f1, accuracy, f1 per class…]`` from confusion counts ``(..., k, k)``.

    Vectorized over resamples so a 1,000-resample bootstrap takes milliseconds. The macro
    average covers the labels with at least one true row, as :func:`classification_scores`;
    ``tests/unit/test_evaluation_metrics.py`` checks both against ``sklearn.metrics``.
    """
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(np.float64)
    true_n = cm.sum(axis=-1).astype(np.float64)
    pred_n = cm.sum(axis=-2).astype(np.float64)
    denominator = true_n + pred_n
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    present = true_n > 0
    macro = np.sum(f1 * present, axis=-1) / np.maximum(present.sum(axis=-1), 1)
    total = cm.sum(axis=(-2, -1)).astype(np.float64)
    accuracy = tp.sum(axis=-1) / np.maximum(total, 1)
    return np.concatenate([macro[..., None], accuracy[..., None], accuracy[..., None], f1], -1)


def bootstrap_ci(
    true_codes: IntArray,
    pred_codes: IntArray,
    labels: Sequence[str],
    *,
    resamples: int = 1000,
    seed: int = 13,
) -> dict[str, Any]:
    """Percentile bootstrap 95% intervals of macro/micro F1, accuracy and per-class F1."""
    k = len(labels)
    names = ["macro_f1", "micro_f1", "accuracy", *[f"f1:{label}" for label in labels]]
    if resamples <= 0 or len(true_codes) < 2:
        return {}

    def statistic(t: IntArray, p: IntArray, axis: int = -1) -> FloatArray:
        return np.moveaxis(scores_from_confusion(confusion_counts(t, p, k)), -1, 0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (true_codes, pred_codes),
            statistic,
            paired=True,
            vectorized=True,
            n_resamples=resamples,
            batch=200,
            confidence_level=0.95,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    low = np.nan_to_num(result.confidence_interval.low, nan=0.0)
    high = np.nan_to_num(result.confidence_interval.high, nan=0.0)
    point = statistic(true_codes, pred_codes)
    return {
        name: {"value": _r(v), "low": _r(lo), "high": _r(hi)}
        for name, v, lo, hi in zip(names, point, low, high, strict=True)
    }


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    values = np.asarray(seconds, dtype=np.float64) * 1000
    if values.size == 0:
        return {}
    return {
        "p50_ms": _r(np.percentile(values, 50)),
        "p95_ms": _r(np.percentile(values, 95)),
        "max_ms": _r(values.max()),
    }


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = 1000, seed: int = 13
) -> dict[str, float]:
    """The mean of per-item scores (hit@k, reciprocal rank, token-F1) with its percentile
    bootstrap 95% interval; no interval below two items or without resamples."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return {}
    out: dict[str, float] = {"value": _r(array.mean())}
    if resamples <= 0 or array.size < 2:
        return out
    if np.all(array == array[0]):
        return {**out, "low": out["value"], "high": out["value"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (array,),
            np.mean,
            vectorized=True,
            n_resamples=resamples,
            batch=500,
            confidence_level=0.95,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    interval = result.confidence_interval
    return {**out, "low": _r(interval.low), "high": _r(interval.high)}


def answer_tokens(text: str) -> list[str]:
    """Words of the normalized text (Arabic letter variants, digits and case folded)."""
    from assistant.text.normalize import normalize

    return _WORDS.findall(normalize(text).normalized)


def token_f1(prediction: str, references: Sequence[str]) -> float:
    """SQuAD-style token F1 of ``prediction`` against the best-matching reference."""
    predicted = Counter(answer_tokens(prediction))
    best = 0.0
    for reference in references:
        gold = Counter(answer_tokens(reference))
        common = sum((predicted & gold).values())
        if common:
            precision = common / sum(predicted.values())
            recall = common / sum(gold.values())
            best = max(best, 2 * precision * recall / (precision + recall))
    return round(best, 4)

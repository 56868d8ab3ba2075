"""Metrics of the evaluation harness, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from assistant.evaluation import metrics as m

LABELS = ["a", "b", "c"]


def _random_run(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    noise = rng.integers(0, 3, n)
    pred = np.where(rng.random(n) < 0.7, truth, noise)
    return truth.astype(np.int64), pred.astype(np.int64)


def test_vectorized_scores_match_sklearn() -> None:
    truth, pred = _random_run()
    cm = m.confusion_counts(truth, pred, 3)
    macro, micro, accuracy, *per_class = m.scores_from_confusion(cm)
    assert macro == pytest.approx(f1_score(truth, pred, average="macro"))
    assert accuracy == pytest.approx(accuracy_score(truth, pred))
    assert micro == pytest.approx(f1_score(truth, pred, average="micro"))
    assert per_class == pytest.approx(list(f1_score(truth, pred, average=None)))


def test_macro_averages_labels_in_the_data_only() -> None:
    truth = ["a", "a", "b", "b"]
    pred = ["a", "c", "b", "b"]  # "c" is predicted but never true
    scores = m.classification_scores(truth, pred, LABELS)
    expected = f1_score(truth, pred, labels=["a", "b"], average="macro", zero_division=0)
    assert scores["macro_f1"] == pytest.approx(expected, abs=1e-4)
    t = np.array([0, 0, 1, 1])
    p = np.array([0, 2, 1, 1])
    assert m.scores_from_confusion(m.confusion_counts(t, p, 3))[0] == pytest.approx(expected)
    assert scores["confusion_matrix"]["matrix"][0] == [1, 0, 1]
    assert scores["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_bootstrap_interval_contains_point_and_is_reproducible() -> None:
    truth, pred = _random_run()
    first = m.bootstrap_ci(truth, pred, LABELS, resamples=300, seed=5)
    again = m.bootstrap_ci(truth, pred, LABELS, resamples=300, seed=5)
    assert first == again
    for name in ("macro_f1", "accuracy", "f1:a"):
        ci = first[name]
        assert ci["low"] <= ci["value"] <= ci["high"]
        assert ci["high"] - ci["low"] < 0.2


def test_bootstrap_of_a_perfect_run_is_degenerate_without_warnings() -> None:
    truth = np.array([0, 1, 1, 0, 1], dtype=np.int64)
    ci = m.bootstrap_ci(truth, truth.copy(), ["x", "y"], resamples=50)
    assert ci["macro_f1"] == {"value": 1.0, "low": 1.0, "high": 1.0}


def test_binary_curves_and_sweep() -> None:
    truth = np.array([False, False, True, True, False, True])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    curves = m.binary_curves(truth, score)
    assert curves["roc_auc"] == pytest.approx(0.8889, abs=1e-4)
    assert 0 < curves["pr_auc"] <= 1
    assert curves["roc_curve"][0] == [0.0, 0.0]
    sweep = m.threshold_sweep(truth, score)
    assert len(sweep["rows"]) == 99
    op = sweep["operating_point"]
    assert op["f1"] == max(r["f1"] for r in sweep["rows"])
    strict = m.threshold_sweep(truth, score, maximize="recall", min_precision=1.0)
    assert strict["operating_point"]["precision"] == 1.0
    assert "precision ≥ 1.0" in strict["rule"]


def test_binary_curves_skip_when_one_class() -> None:
    assert "skipped" in m.binary_curves(np.array([True, True]), np.array([0.2, 0.9]))


def test_calibration_ece() -> None:
    confidence = np.array([0.95, 0.95, 0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, True, True, False, True, False])
    cal = m.calibration(correct, confidence)
    # bins: 0.95 → accuracy 0.75 (4 rows), 0.55 → accuracy 0.5 (2 rows)
    assert cal["ece"] == pytest.approx(4 / 6 * 0.2 + 2 / 6 * 0.05, abs=1e-4)
    assert [b["count"] for b in cal["reliability"]] == [2, 4]
    perfect = m.calibration(np.ones(3, dtype=bool), np.array([1.0, 1.0, 1.0]))
    assert perfect["ece"] == 0.0


def test_multiclass_auc_needs_every_label() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    assert m.multiclass_auc(["b", "a", "c"], proba, ["b", "a", "c"]) is not None
    assert m.multiclass_auc(["b", "a", "a"], proba, ["b", "a", "c"]) is None

"""Run one suite: load data and model, predict with timing, compute metrics, write reports."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from assistant.backends.base import TextClassifier
from assistant.backends.head import RejectSpec as HeadReject
from assistant.backends.head import choose_label
from assistant.config import Settings
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import EvalSet, load_eval_set
from assistant.evaluation.models import (
    build_classifier,
    probability_matrix,
    reject_of,
    score_columns,
)
from assistant.evaluation.suites import BASELINES_DIR, RejectSpec, Suite, SuiteError

SINGLE_POST_SAMPLE = 30


@dataclass
class Predictions:
    columns: list[str]
    proba: npt.NDArray[np.float64]
    predicted: list[str]
    confidence: npt.NDArray[np.float64]
    batch_seconds: list[float]
    batch_sizes: list[int]
    single_seconds: list[float]


def predict(
    classifier: TextClassifier,
    texts: Sequence[str],
    reject: RejectSpec | None,
    *,
    batch_size: int,
    progress: bool,
    desc: str,
) -> Predictions:
    rows: list[dict[str, float]] = []
    seconds: list[float] = []
    sizes: list[int] = []
    with tqdm(total=len(texts), desc=desc, unit="post", disable=not progress) as bar:
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            begin = time.perf_counter()
            rows.extend(classifier.predict_proba(chunk))
            seconds.append(time.perf_counter() - begin)
            sizes.append(len(chunk))
            bar.update(len(chunk))
    single = []
    for text in texts[:SINGLE_POST_SAMPLE]:
        begin = time.perf_counter()
        classifier.predict_proba([text])
        single.append(time.perf_counter() - begin)
    head_reject = HeadReject(below=reject.below, label=reject.label) if reject else None
    chosen = [choose_label(row, head_reject) for row in rows]
    columns = score_columns(classifier, rows[0])
    return Predictions(
        columns=columns,
        proba=probability_matrix(rows, columns),
        predicted=[label for label, _ in chosen],
        confidence=np.array([score for _, score in chosen], dtype=np.float64),
        batch_seconds=seconds,
        batch_sizes=sizes,
        single_seconds=single,
    )


def positive_labels(suite: Suite, labels: Sequence[str], truth: Sequence[str]) -> list[str]:
    """The labels whose summed probability is the binary score (``positive_label``)."""
    if suite.positive_label is not None:
        chosen = suite.positive_label
        found = [chosen] if isinstance(chosen, str) else list(chosen)
        unknown = [label for label in found if label not in labels]
        if unknown:
            raise SuiteError(
                f"{suite.path or suite.name}: key 'positive_label': {unknown} not among the "
                f"labels {list(labels)}"
            )
        return found
    if len(labels) == 2:
        counts = Counter(truth)
        return [min(labels, key=lambda label: (counts.get(label, 0), label))]
    return []


def binary_score(
    pred: Predictions, positives: Sequence[str], reject: RejectSpec | None
) -> npt.NDArray[np.float64]:
    """P(positive); for the reject label (out-of-scope) 1 − the top in-scope probability."""
    score = np.zeros(len(pred.predicted), dtype=np.float64)
    for label in positives:
        if reject is not None and label == reject.label:
            score += 1.0 - pred.proba.max(axis=1)
        elif label in pred.columns:
            score += pred.proba[:, pred.columns.index(label)]
    return np.clip(score, 0.0, 1.0)


def _codes(values: Sequence[str], labels: Sequence[str]) -> npt.NDArray[np.int64]:
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[v] for v in values], dtype=np.int64)


def slice_scores(
    suite: Suite, data: EvalSet, predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    truth = data.labels
    for key in suite.slices:
        groups: dict[str, list[int]] = {}
        for i, e in enumerate(data.examples):
            groups.setdefault(e.meta.get(key, "unknown"), []).append(i)
        if len(groups) < 2 and "unknown" in groups:
            continue
        out[key] = {}
        for value, idx in sorted(groups.items()):
            t = [truth[i] for i in idx]
            p = [predicted[i] for i in idx]
            headline = m.classification_scores(t, p, labels)
            ci = m.bootstrap_ci(
                _codes(t, labels),
                _codes(p, labels),
                labels,
                resamples=min(suite.bootstrap_resamples, 500),
                seed=suite.seed,
            )
            out[key][value] = {
                "n": len(idx),
                "accuracy": headline["accuracy"],
                "macro_f1": headline["macro_f1"],
                "ci": {k: ci[k] for k in ("macro_f1", "accuracy") if k in ci},
            }
    return out


def latency(pred: Predictions, load_seconds: float) -> dict[str, Any]:
    total = sum(pred.batch_seconds)
    n = sum(pred.batch_sizes)
    per_post = [s / size for s, size in zip(pred.batch_seconds, pred.batch_sizes, strict=True)]
    return {
        "model_load_s": round(load_seconds, 3),
        "predict_s": round(total, 3),
        "posts_per_s": round(n / total, 1) if total > 0 else None,
        "batch_size": max(pred.batch_sizes, default=0),
        "per_post_in_batch": m.percentiles_ms(per_post),
        "single_post": m.percentiles_ms(pred.single_seconds),
        "note": "embeddings come from the on-disk cache on reruns: compare speed on cold runs",
    }


def binary_section(
    suite: Suite,
    pred: Predictions,
    truth: Sequence[str],
    positives: Sequence[str],
    reject: RejectSpec | None,
) -> dict[str, Any]:
    """ROC/PR curves and the threshold sweep of the positive label(s)."""
    is_positive = np.array([t in positives for t in truth])
    score = binary_score(pred, positives, reject)
    binary: dict[str, Any] = {"positive": list(positives)}
    if "roc_pr" in suite.wanted_metrics:
        binary.update(m.binary_curves(is_positive, score))
    if "threshold_sweep" in suite.wanted_metrics:
        op = suite.operating_point
        binary["threshold_sweep"] = m.threshold_sweep(
            is_positive,
            score,
            maximize=op.maximize,
            min_precision=op.min_precision,
            min_recall=op.min_recall,
        )
    return binary


def model_fingerprint(classifier: TextClassifier) -> str | None:
    """sha256 of a head's manifest (which holds its components' checksums), to tell
    which artifact a baseline was measured on."""
    inner = getattr(classifier, "inner", classifier)
    manifest = getattr(inner, "manifest", None)
    if manifest is None or not hasattr(manifest, "model_dump_json"):
        return None
    return hashlib.sha256(manifest.model_dump_json().encode()).hexdigest()[:16]


def _header(suite: Suite, data: EvalSet, classifier: TextClassifier) -> dict[str, Any]:
    return {
        "format": "mushrif-eval/1",
        "suite": suite.name,
        "task": suite.task,
        "description": suite.description,
        "suite_file": str(suite.path) if suite.path else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": {
            "origin": data.origin,
            "n": len(data.examples),
            "label_counts": dict(sorted(Counter(data.labels).items())),
        },
        "model": {
            "name": classifier.name,
            "fingerprint": model_fingerprint(classifier),
            "spec": suite.classifier_spec.model_dump(exclude_none=True),
        },
    }


def _headline(
    suite: Suite, truth: Sequence[str], pred: Predictions, labels: list[str]
) -> dict[str, Any]:
    headline = m.classification_scores(truth, pred.predicted, labels)
    ci = m.bootstrap_ci(
        _codes(truth, labels),
        _codes(pred.predicted, labels),
        labels,
        resamples=suite.bootstrap_resamples,
        seed=suite.seed,
    )
    primary = ci.get(suite.primary) or {"value": headline[suite.primary]}
    wanted = suite.wanted_metrics
    out: dict[str, Any] = {
        "labels": labels,
        "primary_metric": {"name": suite.primary, **primary},
        "metrics": {
            k: headline[k] for k in ("n", "accuracy", "macro_f1", "micro_f1", "weighted_f1")
        },
        "confidence_intervals": ci,
    }
    for key in ("per_class", "confusion_matrix"):
        if key in wanted:
            out[key] = headline[key]
    score_labels = [c for c in pred.columns if c in labels]
    if "roc_pr" in wanted and set(score_labels) == set(labels):
        columns = [pred.columns.index(c) for c in score_labels]
        auc = m.multiclass_auc(truth, pred.proba[:, columns], score_labels)
        out["metrics"].update(auc or {})
    return out


def evaluate(suite: Suite, settings: Settings, *, progress: bool = True) -> dict[str, Any]:
    """Run a suite and return its results (JSON-ready)."""
    if not suite.is_classification:
        from assistant.evaluation.grounded import evaluate_grounded

        return evaluate_grounded(suite, settings, progress=progress)
    started = time.perf_counter()
    classifier, load_seconds = build_classifier(suite, settings)
    reject = reject_of(suite, classifier)
    model_labels = list(dict.fromkeys([*classifier.labels, *([reject.label] if reject else [])]))
    allowed = set(suite.labels or model_labels)
    data = load_eval_set(
        suite.dataset,
        shared=settings.shared_data_dir,
        base=suite.folder,
        allowed=allowed,
        seed=suite.seed,
    )
    pred = predict(
        classifier,
        data.texts,
        reject,
        batch_size=suite.classifier_spec.batch_size,
        progress=progress,
        desc=suite.name,
    )
    labels = [x for x in model_labels if x in allowed] + sorted(allowed - set(model_labels))
    truth = data.labels
    wanted = suite.wanted_metrics
    result = {**_header(suite, data, classifier), **_headline(suite, truth, pred, labels)}
    positives = positive_labels(suite, labels, truth)
    if positives and wanted & {"roc_pr", "threshold_sweep"}:
        result["binary"] = binary_section(suite, pred, truth, positives, reject)
    if "calibration" in wanted:
        correct = np.array([p == t for p, t in zip(pred.predicted, truth, strict=True)])
        result["calibration"] = m.calibration(correct, pred.confidence)
    if "slices" in wanted:
        result["slices"] = slice_scores(suite, data, pred.predicted, labels)
    if "latency" in wanted:
        result["latency"] = latency(pred, load_seconds)
    result["run_seconds"] = round(time.perf_counter() - started, 2)
    result["environment"] = {"python": platform.python_version(), "machine": platform.machine()}
    return result


def run_dir(settings: Settings, suite: Suite) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.data_dir / "eval" / "runs" / f"{stamp}-{suite.name}"


def write_run(result: dict[str, Any], directory: Path) -> Path:
    """``results.json`` and the self-contained ``report.html``; returns the report path."""
    from assistant.evaluation.report_html import render_report

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    report = directory / "report.html"
    report.write_text(render_report(result), "utf-8")
    return report


BASELINE_KEYS = (
    "format",
    "suite",
    "task",
    "created",
    "dataset",
    "model",
    "labels",
    "primary_metric",
    "metrics",
    "confidence_intervals",
    "per_class",
    "slices",
)


def baseline_of(result: dict[str, Any]) -> dict[str, Any]:
    """The committed summary of a run: headline figures with intervals, no curves."""
    out = {k: result[k] for k in BASELINE_KEYS if k in result}
    if "binary" in result:
        binary = result["binary"]
        out["binary"] = {
            k: binary[k] for k in ("positive", "roc_auc", "pr_auc", "prevalence") if k in binary
        }
        sweep = binary.get("threshold_sweep")
        if sweep:
            out["binary"]["operating_point"] = sweep["operating_point"]
    if "calibration" in result:
        out["calibration"] = {"ece": result["calibration"]["ece"]}
    return out


def baseline_path(suite_name: str) -> Path:
    return BASELINES_DIR / f"{suite_name}.json"


def save_baseline(result: dict[str, Any], path: Path | None = None) -> Path:
    path = path or baseline_path(result["suite"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline_of(result), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


@dataclass
class BaselineCheck:
    ok: bool
    message: str


def check_baseline(result: dict[str, Any], path: Path | None = None) -> BaselineCheck:
    """Fails when the primary metric falls below the low end of the baseline's 95% CI."""
    path = path or baseline_path(result["suite"])
    if not path.is_file():
        return BaselineCheck(False, f"no baseline at {path}: create it with --save-baseline")
    baseline = json.loads(path.read_text("utf-8"))
    name = result["primary_metric"]["name"]
    base = baseline["primary_metric"]
    if base.get("name") != name:
        return BaselineCheck(False, f"{path}: primary metric is {base.get('name')}, not {name}")
    value = float(result["primary_metric"]["value"])
    low = float(base.get("low", base["value"]))
    text = (
        f"{result['suite']}: {name} {value:.4f} vs baseline {float(base['value']):.4f} "
        f"(95% CI {low:.4f}–{float(base.get('high', base['value'])):.4f})"
    )
    if value < low:
        return BaselineCheck(False, f"{text}: BELOW the baseline's confidence interval")
    return BaselineCheck(True, text)

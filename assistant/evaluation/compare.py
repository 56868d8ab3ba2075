"""What changed between two runs, per metric, class and slice, against run A's 95% CIs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class CompareError(ValueError):
    """A run that cannot be compared; the message names the file."""


@dataclass
class Change:
    scope: str
    name: str
    a: float | None
    b: float | None
    a_low: float | None
    a_high: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else round(self.b - self.a, 4)

    @property
    def outside_ci(self) -> bool:
        if self.b is None or self.a_low is None or self.a_high is None:
            return False
        return not self.a_low <= self.b <= self.a_high

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta, "outside_ci": self.outside_ci}


def load_run(path: Path) -> dict[str, Any]:
    """A run directory, its ``results.json`` or a committed baseline JSON."""
    file = path / "results.json" if path.is_dir() else path
    if not file.is_file():
        raise CompareError(f"{file}: no results found (give a run directory or a results JSON)")
    try:
        data = json.loads(file.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CompareError(f"{file}: not a results JSON ({exc})") from None
    if not isinstance(data, dict) or "primary_metric" not in data:
        raise CompareError(f"{file}: not a Mushrif evaluation result (no 'primary_metric')")
    return data


def _interval(ci: dict[str, Any], key: str) -> tuple[float | None, float | None]:
    found = ci.get(key) or {}
    return found.get("low"), found.get("high")


OVERALL = ("macro_f1", "micro_f1", "accuracy", "weighted_f1", "roc_auc_ovr_macro")
GROUNDED_OVERALL = (
    "mrr",
    "unanswerable_escalated",
    "escalation_precision",
    "answerable_answered",
    "answerable_answered_wrong",
    "token_f1",
    "faithfulness_violation_rate",
)
SLICE_FIGURES = ("macro_f1", "hit_at_1", "hit_at_3", "unanswerable_escalated")


def _overall_names(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    present = {**a.get("metrics", {}), **b.get("metrics", {})}
    hits = sorted((k for k in present if k.startswith("hit_at_")), key=lambda k: int(k[7:]))
    return [k for k in (*OVERALL, *hits, *GROUNDED_OVERALL) if k in present]


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    ci_a = a.get("confidence_intervals", {})
    for name in _overall_names(a, b):
        low, high = _interval(ci_a, name)
        changes.append(
            Change(
                "overall",
                name,
                a.get("metrics", {}).get(name),
                b.get("metrics", {}).get(name),
                low,
                high,
            )
        )
    for key in ("roc_auc", "pr_auc"):
        va, vb = a.get("binary", {}).get(key), b.get("binary", {}).get(key)
        if va is not None or vb is not None:
            changes.append(Change("binary", key, va, vb, None, None))
    classes_a, classes_b = a.get("per_class", {}), b.get("per_class", {})
    for label in sorted(set(classes_a) | set(classes_b)):
        low, high = _interval(ci_a, f"f1:{label}")
        changes.append(
            Change(
                "class",
                f"{label} f1",
                classes_a.get(label, {}).get("f1"),
                classes_b.get(label, {}).get("f1"),
                low,
                high,
            )
        )
    slices_a, slices_b = a.get("slices", {}), b.get("slices", {})
    for key in sorted(set(slices_a) | set(slices_b)):
        values_a, values_b = slices_a.get(key, {}), slices_b.get(key, {})
        for value in sorted(set(values_a) | set(values_b)):
            sa, sb = values_a.get(value, {}), values_b.get(value, {})
            for figure in SLICE_FIGURES:
                if figure not in sa and figure not in sb:
                    continue
                low, high = _interval(sa.get("ci", {}), figure)
                changes.append(
                    Change(
                        "slice",
                        f"{key}={value} {figure}",
                        sa.get(figure),
                        sb.get(figure),
                        low,
                        high,
                    )
                )
    return changes


def _describe_run(run: dict[str, Any]) -> str:
    model = run.get("model", {})
    fingerprint = f" [{model['fingerprint']}]" if model.get("fingerprint") else ""
    return f"{run['suite']} · {model.get('name', '?')}{fingerprint} · {run.get('created', '?')}"


def render_text(a: dict[str, Any], b: dict[str, Any], changes: list[Change]) -> str:
    lines = [f"{tag}: {_describe_run(run)}" for tag, run in (("A", a), ("B", b))]
    if a["suite"] != b["suite"]:
        lines.append("warning: the runs come from different suites")
    lines.append(f"{'scope':<8} {'metric':<38} {'A':>8} {'B':>8} {'Δ':>8}  {'A 95% CI':<15} change")

    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:.4f}"

    for c in changes:
        ci = f"{c.a_low:.3f}–{c.a_high:.3f}" if c.a_low is not None and c.a_high is not None else ""
        delta = "—" if c.delta is None else f"{c.delta:+.4f}"
        flag = "OUTSIDE CI" if c.outside_ci else ""
        values = f"{num(c.a):>8} {num(c.b):>8} {delta:>8}"
        lines.append(f"{c.scope:<8} {c.name[:38]:<38} {values}  {ci:<15} {flag}")
    outside = sum(c.outside_ci for c in changes)
    lines.append(f"{outside} of {len(changes)} figures moved outside run A's 95% interval")
    return "\n".join(lines)

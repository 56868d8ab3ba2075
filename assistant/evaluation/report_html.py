"""One self-contained HTML report per run: tables and inline SVG plots, no scripts, no network."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

Point = Sequence[float]
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
CSS = """
body{font-family:system-ui,'Noto Sans Arabic',sans-serif;margin:2rem;max-width:1100px;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:start}
.primary{font-size:1.3rem;font-weight:600}.note{color:#666;font-size:.9rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}figcaption{font-size:.9rem}
svg text{font-size:11px;font-family:inherit}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return escape(str(value))


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td dir="auto">{_fmt(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def line_chart(
    title: str,
    series: Sequence[tuple[str, Sequence[Point]]],
    *,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
    marker_x: float | None = None,
    size: int = 320,
) -> str:
    """Lines on the unit square (all our curves live in [0, 1] × [0, 1])."""
    pad = 40
    inner = size - 2 * pad

    def xy(x: float, y: float) -> str:
        return f"{pad + x * inner:.1f},{pad + (1 - y) * inner:.1f}"

    legend_width = 100 if len(series) > 1 else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + legend_width}" height="{size}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = pad + tick * inner, pad + (1 - tick) * inner
        parts.append(f'<text x="{x:.0f}" y="{size - pad + 14}" text-anchor="middle">{tick}</text>')
        parts.append(f'<text x="{pad - 4}" y="{y + 4:.0f}" text-anchor="end">{tick}</text>')
    parts.append(
        f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{size / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {size / 2})">{escape(y_label)}</text>'
    )
    if diagonal:
        parts.append(
            f'<line x1="{pad}" y1="{pad + inner}" x2="{pad + inner}" y2="{pad}" '
            'stroke="#bbb" stroke-dasharray="4"/>'
        )
    if marker_x is not None:
        x = pad + marker_x * inner
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{pad + inner}" stroke="#000" '
            'stroke-dasharray="2"/>'
        )
    for i, (name, points) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        path = " ".join(xy(float(p[0]), float(p[1])) for p in points)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        legend_x = size - pad + 8 if legend_width else pad + 6
        parts.append(
            f'<text x="{legend_x}" y="{pad + 14 + 14 * i}" fill="{color}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return _figure(title, "".join(parts))


def _figure(title: str, svg: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(title)}</figcaption></figure>"


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    """Confusion counts, shaded by the share of each true row (rows: truth, columns: predicted)."""
    k = len(labels)
    cell = max(4, min(44, 640 // max(k, 1)))
    left, top = (130, 130) if cell >= 10 else (10, 10)
    size_w, size_h = left + k * cell + 10, top + k * cell + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_w}" height="{size_h}" role="img" '
        'aria-label="confusion matrix">'
    ]
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        for j, count in enumerate(row):
            share = count / total
            x, y = left + j * cell, top + i * cell
            fill = f"rgba(31,119,180,{share:.3f})" if i != j else f"rgba(44,160,44,{share:.3f})"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#eee"><title>true {escape(labels[i])} → predicted '
                f"{escape(labels[j])}: {count}</title></rect>"
            )
            if cell >= 24 and count:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" '
                    f'text-anchor="middle">{count}</text>'
                )
    if cell >= 10:
        for i, label in enumerate(labels):
            short = escape(label[:18])
            label_y = top + i * cell + cell / 2 + 4
            parts.append(f'<text x="{left - 4}" y="{label_y}" text-anchor="end">{short}</text>')
            label_x = left + i * cell + cell / 2
            parts.append(
                f'<text x="{label_x}" y="{top - 4}" '
                f'transform="rotate(-60 {label_x} {top - 4})">{short}</text>'
            )
    parts.append("</svg>")
    return _figure("Confusion matrix (rows: true label, columns: predicted)", "".join(parts))


def bar_chart(title: str, items: Sequence[tuple[str, float, float | None, float | None]]) -> str:
    """Horizontal bars in [0, 1] with 95% CI whiskers."""
    left, width, bar = 160, 360, 18
    height = 30 + len(items) * (bar + 6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 70}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for i, (label, value, low, high) in enumerate(items):
        y = 10 + i * (bar + 6)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(label[:24])}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{value * width:.1f}" height="{bar}" '
            f'fill="{COLORS[0]}"/>'
        )
        if low is not None and high is not None:
            x1, x2 = left + low * width, left + high * width
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y + bar / 2}" x2="{x2:.1f}" y2="{y + bar / 2}" '
                'stroke="#000" stroke-width="2"/>'
            )
        parts.append(f'<text x="{left + width + 6}" y="{y + 13}">{value:.3f}</text>')
    parts.append("</svg>")
    return _figure(title, "".join(parts))


def _summary(result: dict[str, Any]) -> str:
    primary = result["primary_metric"]
    ci = ""
    if "low" in primary:
        ci = f" (95% CI {primary['low']:.4f}–{primary['high']:.4f})"
    rows = [
        ["suite", result["suite"]],
        ["task", result["task"]],
        ["model", result["model"]["name"]],
        ["dataset", result["dataset"]["origin"]],
        ["rows", result["dataset"]["n"]],
        ["created", result["created"]],
    ]
    rows += [[k, _opt(v)] for k, v in result["metrics"].items() if k != "n"]
    if "calibration" in result:
        rows.append(["expected calibration error", result["calibration"]["ece"]])
    return f'<p class="primary">{escape(primary["name"])}: {primary["value"]:.4f}{ci}</p>' + table(
        ["", "value"], rows
    )


def _per_class(result: dict[str, Any]) -> str:
    ci = result.get("confidence_intervals", {})
    rows = []
    for label, s in result["per_class"].items():
        interval = ci.get(f"f1:{label}")
        span = f"{interval['low']:.3f}–{interval['high']:.3f}" if interval else ""
        rows.append([label, s["precision"], s["recall"], s["f1"], span, s["support"]])
    return "<h2>Per class</h2>" + table(
        ["label", "precision", "recall", "F1", "F1 95% CI", "support"], rows
    )


def _binary(result: dict[str, Any]) -> str:
    binary = result["binary"]
    positive = " + ".join(binary["positive"])
    parts = [f"<h2>Binary score: {escape(positive)}</h2>"]
    if "skipped" in binary:
        return parts[0] + f"<p class='note'>{escape(binary['skipped'])}</p>"
    plots = []
    if "roc_auc" in binary:
        parts.append(
            f"<p>ROC-AUC {binary['roc_auc']:.4f} · PR-AUC (average precision) "
            f"{binary['pr_auc']:.4f} · prevalence {binary['prevalence']:.4f}</p>"
        )
        plots.append(
            line_chart(
                "ROC curve",
                [("ROC", binary["roc_curve"])],
                x_label="false positive rate",
                y_label="true positive rate",
                diagonal=True,
            )
        )
        plots.append(
            line_chart(
                "Precision-recall curve",
                [("PR", binary["pr_curve"])],
                x_label="recall",
                y_label="precision",
            )
        )
    sweep = binary.get("threshold_sweep")
    if sweep:
        rows = sweep["rows"]
        op = sweep["operating_point"]
        series = [
            (name, [(r["threshold"], r[name]) for r in rows])
            for name in ("precision", "recall", "f1", "flagged_share")
        ]
        plots.append(
            line_chart(
                "Threshold sweep",
                series,
                x_label="threshold",
                y_label="value",
                marker_x=op["threshold"] if op else None,
            )
        )
        if op:
            parts.append(
                f"<p>Operating point ({escape(sweep['rule'])}): threshold {op['threshold']:.2f}, "
                f"precision {op['precision']:.4f}, recall {op['recall']:.4f}, F1 {op['f1']:.4f}, "
                f"flagged {op['flagged_share']:.2%}</p>"
            )
    return "".join(parts) + f'<div class="plots">{"".join(plots)}</div>'


def _calibration(result: dict[str, Any]) -> str:
    cal = result["calibration"]
    points = [(b["confidence"], b["accuracy"]) for b in cal["reliability"]]
    plot = line_chart(
        "Reliability curve (top-label confidence)",
        [("model", points)],
        x_label="confidence",
        y_label="accuracy",
        diagonal=True,
    )
    rows = [[b["confidence"], b["accuracy"], b["count"]] for b in cal["reliability"]]
    return (
        f"<h2>Calibration</h2><p>Expected calibration error {cal['ece']:.4f} "
        f"({cal['bins']} equal-width bins)</p>"
        f'<div class="plots">{plot}{table(["confidence", "accuracy", "count"], rows)}</div>'
    )


def _slices(result: dict[str, Any]) -> str:
    parts = ["<h2>Slices</h2>"]
    for key, values in result["slices"].items():
        items = []
        rows = []
        for value, s in values.items():
            ci = s.get("ci", {}).get("macro_f1", {})
            items.append((f"{value} (n={s['n']})", s["macro_f1"], ci.get("low"), ci.get("high")))
            span = f"{ci['low']:.3f}–{ci['high']:.3f}" if ci else ""
            rows.append([value, s["n"], s["accuracy"], s["macro_f1"], span])
        parts.append(
            f'<div class="plots">{bar_chart(f"macro-F1 by {key}", items)}'
            f"{table([key, 'n', 'accuracy', 'macro-F1', '95% CI'], rows)}</div>"
        )
    return "".join(parts)


def _latency(result: dict[str, Any]) -> str:
    lat = result["latency"]
    rows = [
        ["model load (s)", lat["model_load_s"]],
        ["prediction (s)", lat["predict_s"]],
        ["throughput (posts/s)", lat["posts_per_s"]],
        ["batch size", lat["batch_size"]],
        *[[f"per post in batch {k}", v] for k, v in lat["per_post_in_batch"].items()],
        *[[f"single post {k}", v] for k, v in lat["single_post"].items()],
    ]
    return "<h2>Speed</h2>" + table(["", "value"], rows) + f"<p class='note'>{lat['note']}</p>"


def _grounded_slices(result: dict[str, Any]) -> str:
    parts = ["<h2>Slices</h2>"]
    for key, values in result.get("slices", {}).items():
        items = []
        rows = []
        for value, s in values.items():
            ci = s.get("ci", {}).get("hit_at_1", {})
            if s.get("hit_at_1") is not None:
                label = f"{value} (n={s['n_answerable']})"
                items.append((label, s["hit_at_1"], ci.get("low"), ci.get("high")))
            span = f"{ci['low']:.3f}–{ci['high']:.3f}" if ci else ""
            hits = [s.get(k) for k in sorted(s) if k.startswith("hit_at_") and k != "hit_at_1"]
            rows.append(
                [
                    value,
                    s["n_answerable"],
                    _opt(s.get("hit_at_1")),
                    span,
                    *[_opt(h) for h in hits],
                    _opt(s.get("mrr")),
                    s["n_unanswerable"],
                    _opt(s.get("unanswerable_escalated")),
                    _opt(s.get("answerable_answered")),
                ]
            )
        ks = sorted(
            {k for s in values.values() for k in s if k.startswith("hit_at_") and k != "hit_at_1"},
            key=lambda k: int(k.rsplit("_", 1)[1]),
        )
        header = [key, "answerable", "hit@1", "hit@1 95% CI"]
        header += [k.replace("hit_at_", "hit@") for k in ks]
        header += ["MRR", "unanswerable", "escalated", "answered"]
        parts.append(
            f'<div class="plots">{bar_chart(f"hit@1 by {key}", items)}{table(header, rows)}</div>'
        )
    return "".join(parts)


def _opt(value: Any) -> Any:
    return "—" if value is None else value


def _grounded(result: dict[str, Any]) -> str:
    metrics = result["metrics"]
    hits = sorted(
        (k for k in metrics if k.startswith("hit_at_")), key=lambda k: int(k.rsplit("_", 1)[1])
    )
    ci = result.get("confidence_intervals", {})
    items = [
        (
            k.replace("hit_at_", "hit@"),
            metrics[k],
            ci.get(k, {}).get("low"),
            ci.get(k, {}).get("high"),
        )
        for k in [*hits, "mrr"]
        if metrics.get(k) is not None
    ]
    escalation_rows = [
        [name, _opt(metrics.get(key))]
        for name, key in (
            ("unanswerable questions", "n_unanswerable"),
            ("unanswerable escalated (recall)", "unanswerable_escalated"),
            ("escalation precision", "escalation_precision"),
            ("answerable questions answered", "answerable_answered"),
            ("answered with a wrong top entry (share of answerable)", "answerable_answered_wrong"),
            ("shipped drafts", "shipped_drafts"),
            ("drafts with a faithfulness violation", "faithfulness_violations"),
            ("faithfulness-violation rate", "faithfulness_violation_rate"),
            ("token-F1 (rows with a reference)", "token_f1"),
            ("token-F1 of answered rows", "token_f1_answered"),
        )
        if key in metrics
    ]
    reasons = [[k, v] for k, v in result.get("escalation_reasons", {}).items()]
    parts = [
        "<h2>Retrieval</h2>",
        f'<div class="plots">{bar_chart("hit@k and MRR (answerable questions)", items)}</div>',
        "<h2>Escalation and drafts</h2>",
        f'<div class="plots">{table(["", "value"], escalation_rows)}'
        f"{table(['escalation reason', 'questions'], reasons)}</div>",
    ]
    if result.get("slices"):
        parts.append(_grounded_slices(result))
    misses = result.get("misses", [])
    if misses:
        rows = [
            [
                x["id"],
                x["kind"],
                x["language"],
                x["text"],
                ", ".join(x.get("gold", [])) or "—",
                ", ".join(x.get("got", [])),
                "yes" if x.get("escalated") else "",
            ]
            for x in misses
        ]
        parts.append(
            f"<h2>Misses ({len(misses)})</h2>"
            + table(["id", "kind", "language", "question", "gold", "retrieved", "escalated"], rows)
        )
    over = result.get("over_escalations", [])
    if over:
        rows = [
            [
                x["id"],
                x["language"],
                x["text"],
                x["reason"],
                x["confidence"],
                "yes" if x["top_hit_correct"] else "no",
            ]
            for x in over
        ]
        parts.append(
            f"<h2>Answerable questions escalated ({len(over)})</h2>"
            + table(["id", "language", "question", "reason", "confidence", "top hit right"], rows)
        )
    found = result.get("violations", [])
    parts.append(f"<h2>Faithfulness violations ({len(found)})</h2>")
    if found:
        rows = [[v["id"], v["text"], v["draft"], "; ".join(v["violations"])] for v in found]
        parts.append(table(["id", "question", "draft", "violations"], rows))
    return "".join(parts)


def _grounded_latency(result: dict[str, Any]) -> str:
    lat = result["latency"]
    rows = [
        ["models load (s)", lat["model_load_s"]],
        ["drafting (s)", lat["predict_s"]],
        ["questions/s", _opt(lat["posts_per_s"])],
        *[[f"per question {k}", v] for k, v in lat["per_question"].items()],
    ]
    return "<h2>Speed</h2>" + table(["", "value"], rows) + f"<p class='note'>{lat['note']}</p>"


def render_report(result: dict[str, Any]) -> str:
    sections = [f"<h1>Mushrif evaluation: {escape(result['suite'])}</h1>", _summary(result)]
    if result.get("description"):
        sections.insert(1, f"<p>{escape(result['description'])}</p>")
    if "misses" in result:
        sections.append(_grounded(result))
        if "latency" in result:
            sections.append(_grounded_latency(result))
        spec = escape(json.dumps(result["model"]["spec"], ensure_ascii=False, indent=1))
        sections.append(f"<h2>Configuration</h2><pre dir='auto'>{spec}</pre>")
        return _page(result, sections)
    if "per_class" in result:
        sections.append(_per_class(result))
    if "confusion_matrix" in result:
        cm = result["confusion_matrix"]
        sections.append("<h2>Confusion matrix</h2>" + heatmap(cm["labels"], cm["matrix"]))
    if "binary" in result:
        sections.append(_binary(result))
    if "calibration" in result:
        sections.append(_calibration(result))
    if result.get("slices"):
        sections.append(_slices(result))
    if "latency" in result:
        sections.append(_latency(result))
    spec = escape(json.dumps(result["model"]["spec"], ensure_ascii=False, indent=1))
    sections.append(f"<h2>Model configuration</h2><pre dir='auto'>{spec}</pre>")
    return _page(result, sections)


def _page(result: dict[str, Any], sections: list[str]) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Mushrif eval: {escape(result['suite'])}</title><style>{CSS}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )

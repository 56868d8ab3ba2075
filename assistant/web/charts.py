"""Small inline SVG charts rendered on the server (no chart library, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR = "#0b5cad"
POSITIVE, NEGATIVE, NEUTRAL = "#1e6b2f", "#a4161a", "#6b6b6b"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    title: str = ""


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 720, height: int = 200) -> Markup:
    """Vertical bars with a label under each; the SVG has a title for screen readers."""
    if not bars:
        return Markup("")
    top = max((b.value for b in bars), default=0) or 1
    pad, base = 24, height - 24
    step = (width - 2 * pad) / len(bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" direction="ltr"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#767676"/>',
    ]
    for i, bar in enumerate(bars):
        h = (base - pad) * bar.value / top
        x = pad + i * step
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(bar.title or bar.label)}: '
            f"{bar.value:g}</title></rect>"
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(bar.label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def sentiment_chart(
    weeks: Sequence[tuple[str, int, int, int]], *, title: str, width: int = 720, height: int = 220
) -> Markup:
    """Stacked weekly bars: positive, neutral, negative posts per week."""
    if not weeks:
        return Markup("")
    top = max((p + n + q for _, p, q, n in weeks), default=0) or 1
    pad, base = 24, height - 24
    step = (width - 2 * pad) / len(weeks)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" direction="ltr"><title>{escape(title)}</title>'
    ]
    bar = min(step * 0.7, 80.0)
    for i, (label, positive, neutral, negative) in enumerate(weeks):
        x = pad + i * step + (step - bar) / 2
        y = float(base)
        for count, color, name in (
            (positive, POSITIVE, "positive"),
            (neutral, NEUTRAL, "neutral"),
            (negative, NEGATIVE, "negative"),
        ):
            h = (base - pad) * count / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(label)} {name}: {count}</title></rect>'
            )
        parts.append(
            f'<text x="{pad + i * step + step / 2:.1f}" y="{height - 8}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

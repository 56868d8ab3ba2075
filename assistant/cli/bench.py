"""``mushrif bench``: print the speed figures of auto-triage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import PROJECT_ROOT, get_settings


def bench(
    group_rules: Annotated[
        Path | None,
        typer.Option("--group-rules", help="Rules file to apply (default: demo rules)."),
    ] = PROJECT_ROOT / "demo" / "rules.yaml",
    posts: Annotated[int, typer.Option(help="Posts per throughput run.")] = 3000,
    repeats: Annotated[int, typer.Option(help="Throughput runs; the median is reported.")] = 3,
) -> None:
    """Measure load time, batch posts/s (median of runs), single-post p50/p95 and peak memory."""
    from assistant.evaluation.bench_triage import run

    rules = group_rules if group_rules and group_rules.exists() else None
    figures = run(get_settings(), rules_path=rules, posts=posts, repeats=repeats)
    typer.echo(json.dumps(figures, indent=2))

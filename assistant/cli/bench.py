"""``mushrif bench``: the recorded quality figures against their targets, then the measured
speed figures of auto-triage."""

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
    posts: Annotated[int, typer.Option(min=1, help="Posts per throughput run.")] = 3000,
    repeats: Annotated[
        int, typer.Option(min=1, help="Throughput runs; the median is reported.")
    ] = 3,
    speed: Annotated[
        bool,
        typer.Option(
            "--speed/--no-speed",
            help="Measure speed (load, posts/s, p50/p95, memory); --no-speed prints only the "
            "quality figures, read from the reports named in eval/targets.yaml.",
        ),
    ] = True,
) -> None:
    """Quality figures (recorded) and speed figures (measured now: load time, batch posts/s as
    the median of runs, single-post p50/p95, peak memory)."""
    from pydantic import ValidationError

    from assistant.evaluation.scoreboard import scoreboard

    try:
        quality = [figure.model_dump() for figure in scoreboard(PROJECT_ROOT)]
    except (OSError, ValidationError) as exc:
        typer.echo(f"error: eval/targets.yaml: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    figures: dict[str, object] = {
        "quality": quality,
        "quality_reached": f"{sum(f['reached'] for f in quality)} of {len(quality)}",
    }
    if speed:
        from assistant.evaluation.bench_triage import run

        rules = group_rules if group_rules and group_rules.exists() else None
        settings = get_settings()
        figures["speed"] = run(settings, rules_path=rules, posts=posts, repeats=repeats)
    typer.echo(json.dumps(figures, indent=2, ensure_ascii=False))

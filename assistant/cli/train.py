"""``mushrif train TASK``: retrain a shipped classifier from ../shared/data."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import get_settings

# task → (recipe module, entry point, artifact directory under models/ or None for benchmarks)
RECIPES: dict[str, tuple[str, str, str | None]] = {
    "triage": ("assistant.moderation.training.triage", "train", "triage"),
    "offensive": ("assistant.moderation.training.offensive", "train", "offensive"),
    "spam": ("assistant.moderation.training.spam", "train", "spam"),
    "sentiment": ("assistant.moderation.training.sentiment", "train", "sentiment"),
    "intent-benchmarks": ("assistant.moderation.training.intent_benchmarks", "run", None),
}


def train(
    task: Annotated[str, typer.Argument(help=f"One of: {', '.join(RECIPES)}.")],
    output_dir: Annotated[
        Path | None, typer.Option(help="Where to write the artifact (default: models/TASK).")
    ] = None,
    quick: Annotated[bool, typer.Option(help="A small, fast run to check the recipe.")] = False,
) -> None:
    """Train a classifier on ../shared/data and write its artifact, model card and metrics."""
    if task not in RECIPES:
        typer.echo(f"error: unknown task '{task}'; choose one of: {', '.join(RECIPES)}", err=True)
        raise typer.Exit(code=2)
    settings = get_settings()
    if not settings.shared_data_dir.is_dir():
        typer.echo(
            f"error: datasets not found at {settings.shared_data_dir}; set MUSHRIF_SHARED_DATA_DIR",
            err=True,
        )
        raise typer.Exit(code=2)
    module_name, entry, artifact = RECIPES[task]
    recipe = getattr(importlib.import_module(module_name), entry)
    target = output_dir or (settings.models_dir / artifact if artifact else Path("eval/baselines"))
    metrics = recipe(target, settings.shared_data_dir, quick=quick)
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False, default=str))

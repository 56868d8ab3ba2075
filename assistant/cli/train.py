"""``mushrif train TASK``: retrain a shipped classifier from ../shared/data.

``mushrif train finetune DATASET`` fine-tunes multilingual-e5-small on one benchmark (CPU) and
fuses it with that benchmark's TF-IDF/linear recipe; it writes
``eval/baselines/finetune_DATASET.json``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, Any

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
FINETUNE = "finetune"
FINETUNE_DATASETS = ("ajgt", "youtube", "sms", "olid", "lhsab", "arbanking77", "clinc150")


def train(
    task: Annotated[str, typer.Argument(help=f"One of: {', '.join([*RECIPES, FINETUNE])}.")],
    dataset: Annotated[
        str | None,
        typer.Argument(
            help=f"With `finetune`: the benchmark, one of {', '.join(FINETUNE_DATASETS)}."
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the artifact (default: models/TASK; finetune: eval/baselines)."
        ),
    ] = None,
    quick: Annotated[bool, typer.Option(help="A small, fast run to check the recipe.")] = False,
    encoder: Annotated[
        str | None,
        typer.Option(
            help="finetune: `e5` (multilingual-e5-small, default), `minilm` "
            "(all-MiniLM-L6-v2, English only), or several joined by commas (`e5,minilm`: "
            "each trained with its own settings, their probabilities averaged)."
        ),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="finetune: `lora` (peft adapters) or `top` (unfrozen).")
    ] = None,
    top_layers: Annotated[
        int | None, typer.Option(help="finetune: how many top encoder layers are adapted.")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="finetune: maximum epochs.")] = None,
    max_length: Annotated[int | None, typer.Option(help="finetune: tokens per text.")] = None,
    lr: Annotated[
        float | None, typer.Option(help="finetune: learning rate of the encoder.")
    ] = None,
    head_lr: Annotated[
        float | None, typer.Option(help="finetune: learning rate of the classification head.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="finetune: random seed.")] = None,
    seeds: Annotated[
        int | None,
        typer.Option(help="finetune: train this many models (seed, seed+1, …) and average them."),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(help="finetune: CPU threads torch may use (default 2).", min=1),
    ] = None,
    decision: Annotated[
        str | None,
        typer.Option(
            help="finetune: `argmax` (default), `offsets` (per-class offsets chosen on "
            "validation for macro-F1) or `auto` (offsets only where they also help on "
            "validation halves they were not chosen on)."
        ),
    ] = None,
    refit: Annotated[
        bool | None,
        typer.Option(
            "--refit/--no-refit",
            help="finetune: after validation has chosen each seed's epochs and the fusion "
            "weight, train each seed again on train + validation for the tests.",
        ),
    ] = None,
    intermediate_epochs: Annotated[
        int | None,
        typer.Option(
            help="finetune: epochs on the benchmark's related labeled sets before its own "
            "(intermediate-task training; L-HSAB: OSACT2020 + MLMA Arabic, AJGT: ASTD + souq "
            "positive/negative; needs --method top). 0: none.",
            min=0,
        ),
    ] = None,
    report: Annotated[
        str | None,
        typer.Option(
            help="finetune: the report's file name in eval/baselines, without .json "
            "(default finetune_DATASET; e.g. finetune_ajgt_refit, so that a --refit run does "
            "not replace the plain run's report).",
        ),
    ] = None,
    save: Annotated[
        bool | None,
        typer.Option(
            "--save/--no-save",
            help="finetune: write the adapter under models/finetuned/DATASET "
            "(default: only when the target is reached).",
        ),
    ] = None,
) -> None:
    """Train a classifier on ../shared/data and write its artifact, model card and metrics."""
    if task != FINETUNE and task not in RECIPES:
        choices = ", ".join([*RECIPES, FINETUNE])
        typer.echo(f"error: unknown task '{task}'; choose one of: {choices}", err=True)
        raise typer.Exit(code=2)
    settings = get_settings()
    if not settings.shared_data_dir.is_dir():
        typer.echo(
            f"error: datasets not found at {settings.shared_data_dir}; set MUSHRIF_SHARED_DATA_DIR",
            err=True,
        )
        raise typer.Exit(code=2)
    if task == FINETUNE:
        overrides = {
            key: value
            for key, value in {
                "encoder": encoder,
                "method": method,
                "top_layers": top_layers,
                "epochs": epochs,
                "max_length": max_length,
                "lr": lr,
                "head_lr": head_lr,
                "seed": seed,
                "seeds": seeds,
                "threads": threads,
                "decision": decision,
                "refit": refit,
                "intermediate_epochs": intermediate_epochs,
            }.items()
            if value is not None
        }
        metrics = _finetune(
            dataset, output_dir, quick=quick, save=save, overrides=overrides, report=report
        )
    else:
        module_name, entry, artifact = RECIPES[task]
        recipe = getattr(importlib.import_module(module_name), entry)
        target = output_dir or (
            settings.models_dir / artifact if artifact else Path("eval/baselines")
        )
        metrics = recipe(target, settings.shared_data_dir, quick=quick)
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False, default=str))


def _finetune(
    dataset: str | None,
    output_dir: Path | None,
    *,
    quick: bool,
    save: bool | None,
    overrides: dict[str, Any],
    report: str | None = None,
) -> dict[str, Any]:
    if dataset not in FINETUNE_DATASETS:
        typer.echo(
            f"error: `mushrif train finetune DATASET` needs one of: {', '.join(FINETUNE_DATASETS)}",
            err=True,
        )
        raise typer.Exit(code=2)
    from assistant.backends.errors import BackendError
    from assistant.moderation.training import finetune

    settings = get_settings()
    try:
        written = finetune.run(
            dataset,
            settings.shared_data_dir,
            output_dir=output_dir or Path("eval/baselines"),
            models_dir=settings.models_dir / "finetuned",
            quick=quick,
            save=save,
            overrides=overrides,
            report_name=report,
            log=lambda line: typer.echo(line, err=True),
        )
    except (BackendError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    keys = ("dataset", "metric", "target", "test", "out_of_scope", "fusion", "seconds")
    return {k: written.get(k) for k in keys} | {"adapter": written.get("adapter")}

"""The quality figures of ``eval/targets.yaml``, read from the reports that record them.

Nothing is measured here: each figure's value comes from the JSON report its training or
evaluation command wrote. A figure is reached when one of its sources reaches every target,
compared strictly (a recorded 0.9796 does not reach 0.98, whatever a rounded table says).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

TARGETS_FILE = Path("eval") / "targets.yaml"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    file: Path
    keys: dict[str, str] = Field(min_length=1)
    command: str


class Figure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    targets: dict[str, float] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_record_every_target(self) -> Figure:
        for source in self.sources:
            if lacking := sorted(set(self.targets) - set(source.keys)):
                raise ValueError(f"{self.id}: source '{source.label}' has no key for {lacking}")
        return self


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    figures: list[Figure]


class SourceResult(BaseModel):
    label: str
    file: str
    command: str
    values: dict[str, float | None]
    reached: bool
    missing: str | None = None


class FigureResult(BaseModel):
    id: str
    title: str
    targets: dict[str, float]
    reached: bool
    sources: list[SourceResult]


def load_targets(path: Path) -> Targets:
    return Targets.model_validate(yaml.safe_load(path.read_text("utf-8")))


def lookup(report: Any, dotted: str) -> float | None:
    """The number at ``a.b.c`` in a JSON object, or None where the path or number is absent."""
    node = report
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return float(node)


def _read(path: Path) -> tuple[Any, str | None]:
    if not path.is_file():
        return None, f"{path} not found"
    try:
        return json.loads(path.read_text("utf-8")), None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, f"{path} is not valid JSON: {exc}"


def score_source(source: Source, targets: dict[str, float], root: Path) -> SourceResult:
    report, missing = _read(root / source.file)
    values = {metric: lookup(report, key) for metric, key in source.keys.items()}
    if missing is None:
        absent = [source.keys[m] for m, v in values.items() if v is None]
        missing = f"no number at {', '.join(absent)}" if absent else None
    reached = missing is None and all(
        (values[metric] or 0.0) >= target for metric, target in targets.items()
    )
    return SourceResult(
        label=source.label,
        file=str(source.file),
        command=source.command,
        values=values,
        reached=reached,
        missing=missing,
    )


def scoreboard(root: Path, targets_path: Path | None = None) -> list[FigureResult]:
    """Every figure of the targets file with each recorded source's values."""
    targets = load_targets(targets_path or root / TARGETS_FILE)
    out = []
    for figure in targets.figures:
        sources = [score_source(s, figure.targets, root) for s in figure.sources]
        out.append(
            FigureResult(
                id=figure.id,
                title=figure.title,
                targets=figure.targets,
                reached=any(s.reached for s in sources),
                sources=sources,
            )
        )
    return out

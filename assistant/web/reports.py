"""Evaluation runs (``mushrif eval run``) listed from the runs directory. A report is found by
its run's directory name only: names are checked against a strict pattern and the resolved
path must stay inside the runs directory, so no URL reaches another file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
REPORT_FILE = "report.html"
MAX_RUNS = 500


@dataclass(frozen=True)
class RunInfo:
    name: str
    suite: str
    metric: str
    value: float | None
    examples: int | None


def runs_dir(settings: Settings) -> Path:
    return settings.web.reports_dir or (Path(settings.data_dir) / "eval" / "runs")


def report_path(directory: Path, name: str) -> Path | None:
    """The report of run ``name``, or None for anything that is not one."""
    if not RUN_NAME.fullmatch(name) or ".." in name:
        return None
    root = directory.resolve()
    candidate = (root / name / REPORT_FILE).resolve()
    if not candidate.is_relative_to(root) or candidate.parent.parent != root:
        return None
    return candidate if candidate.is_file() else None


def _summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def list_runs(directory: Path) -> list[RunInfo]:
    """Runs with a report, newest first (run names start with their UTC time)."""
    if not directory.is_dir():
        return []
    runs = []
    for child in sorted(directory.iterdir(), key=lambda p: p.name, reverse=True)[:MAX_RUNS]:
        if not child.is_dir() or report_path(directory, child.name) is None:
            continue
        data = _summary(child / "results.json")
        primary = data.get("primary_metric") if isinstance(data.get("primary_metric"), dict) else {}
        value = primary.get("value") if isinstance(primary, dict) else None
        runs.append(
            RunInfo(
                name=child.name,
                suite=str(data.get("suite", "")),
                metric=str(primary.get("name", "")) if isinstance(primary, dict) else "",
                value=float(value) if isinstance(value, int | float) else None,
                examples=data.get("examples") if isinstance(data.get("examples"), int) else None,
            )
        )
    return runs

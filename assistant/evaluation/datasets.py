"""Labeled evaluation data: the generic CSV/TSV/JSONL reader and the suite's dataset view.

Every row error names the file, the line and the field, so a user can fix the file.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.cli.io import InputFileError, read_posts
from assistant.config import PROJECT_ROOT
from assistant.evaluation.sources import SOURCES, load_source
from assistant.evaluation.suites import DatasetSpec
from assistant.moderation.training.common import Example, dedupe, stratified_split

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LATIN = re.compile(r"[A-Za-z]")
META_FIELDS = ("language", "dialect", "group", "source")


class DatasetError(ValueError):
    """Labeled data that cannot be evaluated; the message names file, line and field."""


@dataclass
class EvalSet:
    examples: list[Example]
    origin: str

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.examples]


def guess_language(text: str) -> str:
    """``ar``, ``en`` or ``mixed`` by script, for rows that do not say."""
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic and latin and min(arabic, latin) / (arabic + latin) >= 0.2:
        return "mixed"
    return "ar" if arabic >= latin and arabic else "en"


def resolve_path(raw: str, *, shared: Path, base: Path) -> Path:
    path = Path(raw.replace("{shared}", str(shared)))
    return (path if path.is_absolute() else base / path).resolve()


def display_path(path: Path, shared: Path) -> str:
    """``{shared}/…`` or a path relative to the project, so reports travel between machines."""
    for root, prefix in ((shared.resolve(), "{shared}/"), (PROJECT_ROOT, "")):
        if path.is_relative_to(root):
            return prefix + str(path.relative_to(root))
    return str(path)


def _where(origin: str, line: int | str) -> str:
    return f"{origin} line {line}"


def _row_label(row: dict, spec: DatasetSpec, where: str) -> str:
    label = row.get(spec.label_field)
    if label is None and spec.labels_field in row:
        raw = row[spec.labels_field]
        labels = raw if isinstance(raw, list) else [p for p in str(raw).split("|") if p.strip()]
        if len(labels) != 1:
            raise DatasetError(
                f"{where}: field '{spec.labels_field}' has {len(labels)} labels; classification "
                "suites need exactly one label per row"
            )
        label = labels[0]
    if label is None or str(label).strip() == "":
        raise DatasetError(
            f"{where}: field '{spec.label_field}' is missing or empty "
            f"(set dataset.label_field if the column has another name)"
        )
    return str(label).strip()


def _unlabeled(row: dict, spec: DatasetSpec) -> bool:
    return not str(row.get(spec.label_field) or "").strip() and not row.get(spec.labels_field)


def read_labeled_file(path: Path, spec: DatasetSpec) -> list[Example]:
    """Rows of a CSV/TSV/JSONL file as examples; ``meta['line']`` is the 1-based line."""
    try:
        rows = list(read_posts(path, text_field=spec.text_field, encoding=spec.encoding))
    except InputFileError as exc:
        raise DatasetError(str(exc)) from None
    examples = []
    for row in rows:
        where = _where(str(path), row["_line"])
        if spec.split is not None and str(row.get(spec.split_field, "")) != spec.split:
            continue
        text = row["text"]
        if not text.strip():
            raise DatasetError(f"{where}: field '{spec.text_field}' is empty")
        if "\ufffd" in text:
            raise DatasetError(
                f"{where}: field '{spec.text_field}' contains U+FFFD replacement characters: the "
                "file mixes encodings; re-save every line as UTF-8"
            )
        meta = {
            "line": str(row["_line"]),
            "language": str(row.get(spec.language_field) or spec.language or ""),
            "dialect": str(row.get(spec.dialect_field) or spec.dialect or ""),
            "group": str(row.get(spec.group_field) or ""),
            "source": path.name,
        }
        if spec.skip_unlabeled and _unlabeled(row, spec):
            continue
        examples.append(Example(text, _row_label(row, spec, where), meta))
    return examples


def map_labels(
    examples: Iterable[Example], spec: DatasetSpec, allowed: set[str] | None, origin: str
) -> list[Example]:
    """Apply ``label_map`` (``null`` drops a row) and refuse labels outside ``allowed``."""
    out = []
    for index, e in enumerate(examples, start=1):
        label = spec.label_map.get(e.label, e.label) if spec.label_map else e.label
        if label is None:
            continue
        if allowed is not None and label not in allowed:
            where = _where(origin, e.meta.get("line", f"? (row {index})"))
            raise DatasetError(
                f"{where}: field '{spec.label_field}' has unknown label {e.label!r}"
                + (f" (mapped to {label!r})" if label != e.label else "")
                + f"; expected one of {sorted(allowed)} — add it to dataset.label_map"
            )
        out.append(Example(e.text, label, e.meta))
    return out


def stratified_sample(examples: Sequence[Example], limit: int, seed: int) -> list[Example]:
    """At most ``limit`` examples, each label kept in proportion (at least one per label)."""
    if len(examples) <= limit:
        return list(examples)
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for e in examples:
        by_label.setdefault(e.label, []).append(e)
    out: list[Example] = []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        out.extend(items[: max(1, round(len(items) * limit / len(examples)))])
    return out


def _fill_meta(examples: list[Example]) -> list[Example]:
    for e in examples:
        if not e.meta.get("language"):
            e.meta["language"] = guess_language(e.text)
        for key in ("dialect", "group", "source"):
            e.meta.setdefault(key, "")
            if not e.meta[key]:
                e.meta[key] = "unknown"
    return examples


def load_eval_set(
    spec: DatasetSpec,
    *,
    shared: Path,
    base: Path,
    allowed: set[str] | None,
    seed: int = 13,
) -> EvalSet:
    if spec.source is not None:
        if spec.source not in SOURCES:
            raise DatasetError(
                f"dataset.source: unknown source {spec.source!r}; known: {sorted(SOURCES)}"
            )
        if not shared.is_dir():
            raise DatasetError(f"dataset.source {spec.source!r} needs the shared data at {shared}")
        origin = f"source {spec.source}"
        raw = load_source(spec.source, shared)
    else:
        assert spec.path is not None
        path = resolve_path(spec.path, shared=shared, base=base)
        origin = display_path(path, shared)
        raw = read_labeled_file(path, spec)
    examples = map_labels(raw, spec, allowed, origin)
    if spec.holdout is not None:
        kept, _ = dedupe(examples)
        train, test = stratified_split(kept, spec.holdout.share, seed=spec.holdout.seed)
        examples = test if spec.holdout.part == "test" else train
    if spec.limit is not None:
        examples = stratified_sample(examples, spec.limit, seed)
    if not examples:
        detail = f" with {spec.split_field} = {spec.split!r}" if spec.split else ""
        raise DatasetError(f"{origin}: no rows{detail}: the split is empty")
    return EvalSet(_fill_meta(examples), origin)

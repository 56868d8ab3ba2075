"""Reading posts from CSV/JSONL files with errors that name the file, line and field."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path


class InputFileError(ValueError):
    """A posts file that cannot be read; the message names the file, line and field."""


def _decode(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path} line {line}: not valid {encoding} (byte 0x{raw[exc.start]:02x}); "
            "re-save the file as UTF-8 or pass --encoding (e.g. cp1256 for Windows Arabic)"
        ) from None


def read_posts(path: Path, *, text_field: str = "text", encoding: str = "utf-8") -> Iterator[dict]:
    """Yield one dict per post; each has ``text`` and ``_line`` (1-based line in the file)."""
    if not path.exists():
        raise InputFileError(f"{path}: file not found")
    content = _decode(path, encoding).lstrip("\ufeff")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path, content, text_field)
    elif suffix in (".csv", ".tsv"):
        yield from _csv(path, content, text_field, "\t" if suffix == ".tsv" else ",")
    else:
        raise InputFileError(f"{path}: unknown format '{suffix}'; use .csv, .tsv or .jsonl")


def _jsonl(path: Path, content: str, text_field: str) -> Iterator[dict]:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path} line {number}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputFileError(f"{path} line {number}: expected a JSON object")
        yield _checked(path, number, row, text_field)


def _csv(path: Path, content: str, text_field: str, delimiter: str) -> Iterator[dict]:
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    if reader.fieldnames is None or text_field not in reader.fieldnames:
        found = ", ".join(reader.fieldnames or []) or "none"
        raise InputFileError(
            f"{path} line 1: missing column '{text_field}' (columns found: {found}); "
            "pass --text-field to name the text column"
        )
    for row in reader:
        yield _checked(path, reader.line_num, dict(row), text_field)


def _checked(path: Path, number: int, row: dict, text_field: str) -> dict:
    text = row.get(text_field)
    if not isinstance(text, str):
        raise InputFileError(f"{path} line {number}: field '{text_field}' is missing or not text")
    return {**row, "text": text, "_line": number}

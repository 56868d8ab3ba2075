"""Loading a knowledge base from CSV, JSON/JSONL and Markdown files, and merging re-imports.

Flat rows (CSV columns, JSON objects without ``text``) use these fields: ``id``, ``kind``,
``lang``, ``title`` (or ``question``/``name``), ``body`` (or ``answer``/``description``),
``title_ar``/``body_ar``/``title_en``/``body_en`` for a second language, ``tags``,
``examples`` (member questions the entry answers), and for products ``price``, ``currency``,
``sizes``, ``available``, ``url``. Lists are separated by ``;`` or ``|``.
Markdown: every ``## Title`` starts an entry; ``key: value`` lines right below it (``id``,
``kind``, ``lang``, ``tags``, ``examples``, product fields) are metadata, the rest is the body.

A row with an ``id`` and ``examples`` but no title only adds example questions to the entry of
that id (from any file of the KB, e.g. ``examples.jsonl``); an id no file defines is an error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.answering.schemas import (
    MAX_EXAMPLES,
    EntryText,
    KBEntry,
    KnowledgeBase,
    Product,
    distinct_examples,
)

SUPPORTED_SUFFIXES = (".csv", ".json", ".jsonl", ".md")
_META_LINE = re.compile(
    r"^(id|kind|lang|tags|examples|price|currency|sizes|available|url):\s*(.*)$"
)
_SLUG = re.compile(r"[^a-z0-9]+")
_TRUE = {"1", "true", "yes", "y", "نعم", "متوفر", "available", "in stock"}


class KBError(ValueError):
    """A knowledge-base file that cannot be read; the message names the file and entry."""


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;|]", str(value or "")) if part.strip()]


def _first(row: dict[str, Any], *keys: str) -> str:
    return next((str(row[k]).strip() for k in keys if str(row.get(k) or "").strip()), "")


def _product(row: dict[str, Any]) -> Product | None:
    if not any(str(row.get(k) or "").strip() for k in ("price", "sizes", "url", "available")):
        return None
    price = _first(row, "price")
    available = str(row.get("available", "true")).strip().lower()
    return Product(
        price=float(price) if price else None,
        currency=_first(row, "currency"),
        sizes=_split_list(row.get("sizes")),
        available=available in _TRUE or available == "",
        url=_first(row, "url"),
    )


def entry_from_row(row: dict[str, Any]) -> KBEntry:
    """A flat row (CSV or simple JSON) → an entry; raises ``ValueError`` when it is invalid."""
    if "text" in row:
        return KBEntry.model_validate(row)
    lang = _first(row, "lang", "language") or "en"
    texts: dict[str, EntryText] = {}
    title = _first(row, "title", "question", "name")
    if title:
        texts[lang] = EntryText(title=title, body=_first(row, "body", "answer", "description"))
    for other in ("ar", "en"):
        other_title = _first(row, f"title_{other}", f"question_{other}", f"name_{other}")
        if other_title:
            other_body = _first(row, f"body_{other}", f"answer_{other}", f"description_{other}")
            texts[other] = EntryText(title=other_title, body=other_body)
    kind = _first(row, "kind") or ("product" if _product(row) else "faq")
    entry_id = _first(row, "id") or _SLUG.sub("-", title.lower()).strip("-")[:60]
    if not entry_id:
        raise ValueError("a row needs an 'id' or a 'title'")
    return KBEntry.model_validate(
        {
            "id": entry_id,
            "kind": kind,
            "text": texts,
            "tags": _split_list(row.get("tags")),
            "product": _product(row) if kind == "product" else None,
            "examples": _split_list(row.get("examples")),
        }
    )


def _markdown_rows(content: str) -> Iterator[dict[str, Any]]:
    row: dict[str, Any] | None = None
    body: list[str] = []
    in_meta = False
    for line in content.splitlines():
        if line.startswith("## "):
            if row is not None:
                yield {**row, "body": "\n".join(body).strip()}
            row, body, in_meta = {"title": line[3:].strip()}, [], True
            continue
        if row is None:
            continue
        meta = _META_LINE.match(line.strip()) if in_meta else None
        if meta:
            row[meta.group(1)] = meta.group(2).strip()
        elif line.strip() or body:
            in_meta = False
            body.append(line.rstrip())
    if row is not None:
        yield {**row, "body": "\n".join(body).strip()}


def _rows(path: Path, content: str) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from csv.DictReader(io.StringIO(content))
    elif suffix == ".jsonl":
        for line in content.splitlines():
            if line.strip():
                yield json.loads(line)
    elif suffix == ".json":
        data = json.loads(content)
        yield from data["entries"] if isinstance(data, dict) else data
    elif suffix == ".md":
        yield from _markdown_rows(content)
    else:
        raise KBError(f"{path}: unknown format '{suffix}'; use {', '.join(SUPPORTED_SUFFIXES)}")


def _problems(exc: ValidationError) -> str:
    """A validation error in one line: ``field: message`` for each problem."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def load_entries(path: Path) -> list[KBEntry]:
    """Every entry of one file. Entries sharing an id within a file merge their languages."""
    if not path.is_file():
        raise KBError(f"{path}: file not found")
    content = path.read_text("utf-8").lstrip("\ufeff")
    entries: list[KBEntry] = []
    try:
        for number, row in enumerate(_rows(path, content), start=1):
            try:
                entries.append(entry_from_row(row))
            except ValidationError as exc:
                raise KBError(f"{path} entry {number}: {_problems(exc)}") from None
            except (ValueError, TypeError) as exc:
                raise KBError(f"{path} entry {number}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise KBError(f"{path}: invalid JSON: {exc}") from None
    return merge_entries([], entries)[0]


def merge_entries(
    existing: Iterable[KBEntry], incoming: Iterable[KBEntry]
) -> tuple[list[KBEntry], int, int]:
    """Entries with a new id are added; a known id is updated (its languages merged, its
    example questions joined). An examples-only row changes nothing but the examples."""
    merged = {e.id: e for e in existing}
    added = updated = 0
    for entry in incoming:
        old = merged.get(entry.id)
        if old is None:
            added += 1
            merged[entry.id] = entry
            continue
        updated += 1
        examples = distinct_examples([*old.examples, *entry.examples])[:MAX_EXAMPLES]
        if entry.is_examples_only:
            merged[entry.id] = old.model_copy(update={"examples": examples})
            continue
        merged[entry.id] = entry.model_copy(
            update={
                "text": {**old.text, **entry.text},
                "tags": entry.tags or old.tags,
                "product": entry.product or old.product,
                "examples": examples,
            }
        )
    return list(merged.values()), added, updated


def load_kb(path: Path, *, group: str = "") -> KnowledgeBase:
    """A KB from a file, or from every supported file of a directory (sorted by name)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise KBError(f"{path}: no such knowledge-base file or directory")
    if path.is_file() and path.suffix == ".json":
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, dict) and "entries" in data and "version" in data:
            return KnowledgeBase.model_validate(data)
    entries: list[KBEntry] = []
    for file in files:
        entries = merge_entries(entries, load_entries(file))[0]
    try:
        return KnowledgeBase(group=group or path.stem, entries=entries)
    except ValidationError as exc:
        raise KBError(f"{path}: {_problems(exc)}") from None

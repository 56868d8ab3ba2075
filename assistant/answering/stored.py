"""Knowledge bases stored as rows (the service's ``knowledge_entries``) ↔ ``KnowledgeBase``.

A stored row holds one entry in one language. Rows with the same ``entry_key`` (an imported
KB entry's id) are one entry in several languages; a row without a key is an entry of its own,
whose id is the row id (the id of ``DELETE …/knowledge/{entry_id}``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from assistant.answering.schemas import (
    MAX_EXAMPLES,
    EntryKind,
    EntryText,
    KBEntry,
    KnowledgeBase,
    Product,
    ReplyLanguage,
)

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_KINDS: dict[str, EntryKind] = {
    "faq": "faq",
    "rule": "rule",
    "product": "product",
    "policy": "policy",
    "doc": "policy",
}
_TITLE_MAX, _BODY_MAX = 500, 5_000


class StoredEntry(Protocol):
    """The fields of a stored knowledge row that a KB is built from."""

    id: int
    kind: str
    language: str
    question: str
    answer: str
    tags: list[str]
    entry_key: str | None
    product: dict[str, Any] | None


class StoredExample(Protocol):
    """A stored example question of an entry (``entry_key``: the entry's id)."""

    entry_key: str
    text: str


def entry_id_of(row: StoredEntry) -> str:
    key = row.entry_key
    return key if key and _KEY.match(key) else str(row.id)


def rows_fingerprint(rows: Sequence[StoredEntry]) -> str:
    """A content hash of the rows: with the examples' stamp, the cache key of the KB built
    from them."""
    digest = hashlib.sha256()
    for row in rows:
        record = [
            row.id,
            row.kind,
            row.language,
            row.question,
            row.answer,
            list(row.tags or []),
            row.entry_key,
            row.product,
        ]
        digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def kb_from_rows(
    rows: Iterable[StoredEntry], *, group: str = "", examples: Iterable[StoredExample] = ()
) -> KnowledgeBase:
    """A ``KnowledgeBase`` from stored rows; rows in a language other than ar/en are skipped,
    and so are examples of entries that no longer exist."""
    wordings: dict[str, list[str]] = {}
    for example in examples:
        wordings.setdefault(example.entry_key, []).append(example.text)
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        language = row.language if row.language in ("ar", "en") else None
        title = (row.question or "").strip()[:_TITLE_MAX]
        if language is None or not title:
            continue
        lang: ReplyLanguage = "ar" if language == "ar" else "en"
        entry = merged.setdefault(
            entry_id_of(row),
            {"kind": _KINDS.get(row.kind, "faq"), "text": {}, "tags": [], "product": None},
        )
        entry["text"][lang] = EntryText(title=title, body=(row.answer or "").strip()[:_BODY_MAX])
        entry["tags"].extend(t for t in row.tags or [] if t not in entry["tags"])
        if row.product and entry["product"] is None:
            entry["product"] = Product.model_validate(row.product)
    return KnowledgeBase(
        group=group[:200],
        entries=[
            KBEntry(
                id=entry_id,
                kind=e["kind"],
                text=e["text"],
                tags=e["tags"],
                product=e["product"] if e["kind"] == "product" else None,
                examples=wordings.get(entry_id, [])[-MAX_EXAMPLES:],
            )
            for entry_id, e in merged.items()
        ],
    )


def rows_from_kb(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One row (the keyword arguments of ``groups.add_knowledge``) per entry and language."""
    return [
        {
            "entry_key": entry.id,
            "kind": entry.kind,
            "language": language,
            "question": text.title,
            "answer": text.body,
            "tags": list(entry.tags),
            "product": entry.product.model_dump(mode="json") if entry.product else None,
        }
        for entry in kb.entries
        for language, text in entry.text.items()
    ]

"""The group's stored knowledge base as the web pages edit it: search, validate, update and
import files (through ``answering.kb``, the parser the CLI uses)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from assistant.answering.kb import SUPPORTED_SUFFIXES, KBError, load_entries
from assistant.answering.schemas import KnowledgeBase
from assistant.answering.stored import entry_id_of, rows_from_kb
from assistant.api.schemas import KnowledgeCreate
from assistant.store import groups as group_repo
from assistant.store import knowledge_examples as example_repo
from assistant.store.models import KnowledgeEntry
from assistant.store.scoped import get_in_group
from assistant.text.normalize import normalize_for_model

MAX_IMPORT_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    examples: int = 0


def search(entries: list[KnowledgeEntry], query: str) -> list[KnowledgeEntry]:
    """Entries whose question, answer or tags contain the query, compared after Arabic and
    Unicode normalization (so أ/ا, ى/ي and harakat do not matter)."""
    needle = normalize_for_model(query.strip())
    if not needle:
        return entries
    return [
        e
        for e in entries
        if needle in normalize_for_model(" ".join([e.question, e.answer, *(e.tags or [])]))
    ]


def parse_entry(
    *, kind: str, language: str, question: str, answer: str, tags: str
) -> KnowledgeCreate:
    """Raises ``ValidationError`` (shown field by field) when the form is invalid."""
    return KnowledgeCreate.model_validate(
        {
            "kind": kind,
            "language": language,
            "question": question.strip(),
            "answer": answer.strip(),
            "tags": [t.strip() for t in tags.replace("،", ",").split(",") if t.strip()],
        }
    )


def field_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def get_entry(session: Session, *, group_id: str, entry_id: int) -> KnowledgeEntry:
    return get_in_group(
        session, KnowledgeEntry, group_id=group_id, row_id=entry_id, what="knowledge entry"
    )


def update_entry(
    session: Session, *, group_id: str, entry_id: int, values: KnowledgeCreate
) -> KnowledgeEntry:
    entry = get_entry(session, group_id=group_id, entry_id=entry_id)
    entry.kind = values.kind
    entry.language = values.language
    entry.question = values.question
    entry.answer = values.answer
    entry.tags = list(values.tags)
    session.flush()
    return entry


def import_file(session: Session, *, group_id: str, filename: str, content: bytes) -> ImportResult:
    """Add a CSV/JSON/JSONL/Markdown file's entries; an entry id and language already stored
    is updated. Raises ``KBError`` naming the entry that cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise KBError(f"{filename}: unknown format '{suffix}'; use {', '.join(SUPPORTED_SUFFIXES)}")
    if len(content) > MAX_IMPORT_BYTES:
        raise KBError(f"{filename}: larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KBError(f"{filename}: not UTF-8 (byte {exc.start})") from None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"import{suffix}"
        path.write_bytes(content)
        entries = load_entries(path)
    current = group_repo.knowledge(session, group_id=group_id)
    known = {entry_id_of(e) for e in current} | {e.id for e in entries if not e.is_examples_only}
    orphans = sorted({e.id for e in entries if e.is_examples_only} - known)
    if orphans:
        raise KBError(f"{filename}: example questions for unknown entries: {', '.join(orphans)}")
    full = [e for e in entries if not e.is_examples_only]
    rows = rows_from_kb(KnowledgeBase(group=group_id, entries=full))
    existing = {(e.entry_key, e.language): e for e in current if e.entry_key}
    added = updated = 0
    for row in rows:
        stored = existing.get((row["entry_key"], row["language"]))
        if stored is None:
            group_repo.add_knowledge(session, group_id=group_id, **row)
            added += 1
            continue
        for key in ("kind", "question", "answer", "tags", "product"):
            setattr(stored, key, row[key])
        updated += 1
    session.flush()
    learned = [
        row
        for entry in entries
        for row in example_repo.add_examples(
            session, group_id=group_id, entry_key=entry.id, texts=entry.examples
        )
    ]
    return ImportResult(added, updated, len(learned))

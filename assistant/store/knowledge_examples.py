"""Example questions of a group's knowledge entries: imported with the KB, or learned from the
admins' approvals (an approved reply drafted from an entry teaches it the member's wording)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.answering.schemas import MAX_EXAMPLES, distinct_examples
from assistant.store.models import ItemKind, KnowledgeExample, Post, QueueItem
from assistant.store.scoped import get_in_group
from assistant.text.normalize import normalize

ESCALATE = "escalate"


def text_key(text: str) -> str:
    return hashlib.sha256(normalize(text).normalized.encode()).hexdigest()


def examples(session: Session, *, group_id: str) -> list[KnowledgeExample]:
    return list(
        session.scalars(
            select(KnowledgeExample)
            .where(KnowledgeExample.group_id == group_id)
            .order_by(KnowledgeExample.id)
        )
    )


def stamp(session: Session, *, group_id: str) -> str:
    """A cheap change stamp of a group's examples (count, largest and summed id, newest time).

    Every add or delete changes it, even when SQLite hands a deleted row's id to the next row
    (the newest time moves then), so callers need not load the rows to notice a change."""
    count, largest, total, newest = session.execute(
        select(
            func.count(KnowledgeExample.id),
            func.max(KnowledgeExample.id),
            func.sum(KnowledgeExample.id),
            func.max(KnowledgeExample.created_at),
        ).where(KnowledgeExample.group_id == group_id)
    ).one()
    return f"{count}:{largest}:{total}:{newest}"


def add_examples(
    session: Session,
    *,
    group_id: str,
    entry_key: str,
    texts: Iterable[str],
    source: str = "import",
    item_id: int | None = None,
) -> list[KnowledgeExample]:
    """Store the wordings the entry does not have yet; returns the rows added. An entry keeps
    at most ``MAX_EXAMPLES``: the oldest learned ones make room for new ones."""
    have = {
        row.text_key: row
        for row in session.scalars(
            select(KnowledgeExample).where(
                KnowledgeExample.group_id == group_id, KnowledgeExample.entry_key == entry_key
            )
        )
    }
    added = []
    for text in distinct_examples(list(texts)):
        key = text_key(text)
        if key in have:
            continue
        row = KnowledgeExample(
            group_id=group_id,
            entry_key=entry_key,
            text=text,
            text_key=key,
            source=source,
            item_id=item_id,
        )
        session.add(row)
        have[key] = row
        added.append(row)
    session.flush()
    overflow = len(have) - MAX_EXAMPLES
    if overflow > 0:
        oldest = sorted(have.values(), key=lambda r: (r.source != "approved", r.id))
        for row in oldest[:overflow]:
            session.delete(row)
        session.flush()
    return added


def delete_example(session: Session, *, group_id: str, example_id: int) -> None:
    row = get_in_group(
        session, KnowledgeExample, group_id=group_id, row_id=example_id, what="knowledge example"
    )
    session.delete(row)
    session.flush()


def learn_from_approval(session: Session, item: QueueItem) -> KnowledgeExample | None:
    """A reply answered from the KB (not escalated) and approved as drafted teaches its first
    cited entry the member's question; returns the example added, if any. An edited approval
    teaches nothing: the admin's answer may not be the cited entry's."""
    if item.kind != ItemKind.REPLY or item.suggested_action == ESCALATE or item.edited:
        return None
    if not item.draft_citations or item.post_id is None:
        return None
    entry_key = str(item.draft_citations[0].get("entry_id") or "")
    post = session.get(Post, item.post_id)
    if not entry_key or post is None or post.group_id != item.group_id:
        return None
    added = add_examples(
        session,
        group_id=item.group_id,
        entry_key=entry_key,
        texts=[post.text],
        source="approved",
        item_id=item.id,
    )
    return added[0] if added else None

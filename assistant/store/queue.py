"""The approval queue: items, claims, decisions (with optimistic concurrency) and the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.publishing.outbox import enqueue_delivery
from assistant.schemas import Priority
from assistant.store.errors import ConflictError, InvalidInputError
from assistant.store.faq_entries import add_suggested_entry
from assistant.store.models import (
    INTERNAL_KINDS,
    Admin,
    AnalysisRow,
    FeedbackExample,
    ItemKind,
    ItemStatus,
    Post,
    QueueItem,
    ReviewEvent,
    utcnow,
)
from assistant.store.scoped import get_in_group
from assistant.store.sql import insert_ignoring_conflicts

PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


@dataclass(frozen=True)
class NewItem:
    group_id: str
    source_key: str
    kind: str
    priority: Priority
    language: str
    draft_text: str
    draft_generator: str
    category: str = ""
    suggested_action: str | None = None
    post_id: int | None = None
    member_external_id: str | None = None
    draft_citations: list[dict[str, Any]] | None = None
    draft_confidence: float | None = None
    draft_reason: str | None = None


@dataclass(frozen=True)
class QueueFilter:
    status: Sequence[str] = (ItemStatus.PENDING.value,)
    kind: Sequence[str] = ()
    priority: Sequence[str] = ()
    language: Sequence[str] = ()
    category: Sequence[str] = ()
    min_age_s: int | None = None
    max_age_s: int | None = None


@dataclass(frozen=True)
class Actor:
    admin_id: int
    admin_name: str


@dataclass
class BulkOutcome:
    item_id: int
    ok: bool
    status_code: int = 200
    error: str = ""
    item: QueueItem | None = field(default=None, repr=False)


def add_items(session: Session, *, items: Sequence[NewItem]) -> None:
    """Insert queue items; an item whose (group, source_key) exists is left as it is."""
    now = utcnow()
    rows = [
        {
            "group_id": i.group_id,
            "source_key": i.source_key,
            "kind": i.kind,
            "status": ItemStatus.PENDING.value,
            "priority": i.priority.value,
            "priority_rank": PRIORITY_RANK[i.priority],
            "language": i.language,
            "category": i.category,
            "suggested_action": i.suggested_action,
            "post_id": i.post_id,
            "member_external_id": i.member_external_id,
            "draft_text": i.draft_text,
            "draft_generator": i.draft_generator,
            "draft_citations": i.draft_citations,
            "draft_confidence": i.draft_confidence,
            "draft_reason": i.draft_reason,
            "edited": False,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in items
    ]
    insert_ignoring_conflicts(session, QueueItem, rows, keys=["group_id", "source_key"])


def create_manual_item(
    session: Session,
    *,
    group_id: str,
    actor: Actor,
    source_key: str | None,
    kind: str,
    language: str,
    priority: Priority,
    draft_text: str,
    draft_generator: str,
    category: str,
) -> QueueItem:
    key = source_key or f"manual:{uuid.uuid4().hex}"
    query = select(QueueItem).where(QueueItem.group_id == group_id, QueueItem.source_key == key)
    existing = session.scalar(query)
    if existing is not None:
        return existing
    add_items(
        session,
        items=[
            NewItem(
                group_id=group_id,
                source_key=key,
                kind=kind,
                priority=priority,
                language=language,
                draft_text=draft_text,
                draft_generator=draft_generator,
                category=category,
            )
        ],
    )
    item = session.scalar(query)
    assert item is not None
    record_event(session, item=item, action="create", admin_id=actor.admin_id)
    session.flush()
    return item


def list_items(
    session: Session, *, group_id: str, filters: QueueFilter, limit: int, offset: int
) -> tuple[list[QueueItem], int]:
    """Items of one group, most urgent first, then oldest first."""
    conditions: list[Any] = [QueueItem.group_id == group_id]
    for column, values in (
        (QueueItem.status, filters.status),
        (QueueItem.kind, filters.kind),
        (QueueItem.priority, filters.priority),
        (QueueItem.language, filters.language),
        (QueueItem.category, filters.category),
    ):
        if values:
            conditions.append(column.in_(list(values)))
    now = utcnow()
    if filters.min_age_s is not None:
        conditions.append(QueueItem.created_at <= now - timedelta(seconds=filters.min_age_s))
    if filters.max_age_s is not None:
        conditions.append(QueueItem.created_at >= now - timedelta(seconds=filters.max_age_s))
    total = session.scalar(select(func.count()).select_from(QueueItem).where(*conditions)) or 0
    query = (
        select(QueueItem)
        .where(*conditions)
        .order_by(QueueItem.priority_rank.desc(), QueueItem.created_at, QueueItem.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query)), total


def get_item(session: Session, *, group_id: str, item_id: int) -> QueueItem:
    return get_in_group(session, QueueItem, group_id=group_id, row_id=item_id, what="queue item")


def depth_by_kind(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(QueueItem.group_id, QueueItem.kind, func.count())
        .where(QueueItem.status == ItemStatus.PENDING.value)
        .group_by(QueueItem.group_id, QueueItem.kind)
    )
    return {(group_id, kind): n for group_id, kind, n in rows}


def events(session: Session, *, group_id: str, item_id: int) -> list[tuple[ReviewEvent, str]]:
    rows = session.execute(
        select(ReviewEvent, Admin.name)
        .outerjoin(Admin, Admin.id == ReviewEvent.admin_id)
        .where(ReviewEvent.group_id == group_id, ReviewEvent.queue_item_id == item_id)
        .order_by(ReviewEvent.id)
    )
    return [(event, name or "mushrif") for event, name in rows]


def record_event(
    session: Session,
    *,
    item: QueueItem,
    action: str,
    admin_id: int | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        ReviewEvent(
            group_id=item.group_id,
            queue_item_id=item.id,
            admin_id=admin_id,
            action=action,
            details=details or {},
        )
    )


def _admin_name(session: Session, admin_id: int | None) -> str:
    admin = session.get(Admin, admin_id) if admin_id is not None else None
    return admin.name if admin else "another admin"


def _claimed_by_other(item: QueueItem, admin_id: int, now: datetime) -> bool:
    return (
        item.claimed_by is not None
        and item.claimed_by != admin_id
        and item.claimed_until is not None
        and item.claimed_until > now
    )


def _check_pending(session: Session, item: QueueItem, actor: Actor, version: int | None) -> None:
    if item.status != ItemStatus.PENDING.value:
        raise ConflictError(f"queue item {item.id} is already {item.status}")
    if version is not None and version != item.version:
        raise ConflictError(
            f"queue item {item.id} changed since you loaded it (your version {version}, "
            f"current {item.version}): reload it and try again"
        )
    if _claimed_by_other(item, actor.admin_id, utcnow()):
        raise ConflictError(
            f"queue item {item.id} is claimed by {_admin_name(session, item.claimed_by)} "
            f"until {item.claimed_until:%Y-%m-%dT%H:%M:%SZ}"
        )


def claim_item(
    session: Session, *, group_id: str, item_id: int, actor: Actor, ttl_s: int
) -> QueueItem:
    item = get_item(session, group_id=group_id, item_id=item_id)
    _check_pending(session, item, actor, None)
    item.claimed_by = actor.admin_id
    item.claimed_until = utcnow() + timedelta(seconds=ttl_s)
    item.updated_at = utcnow()
    record_event(session, item=item, action="claim", admin_id=actor.admin_id)
    session.flush()
    return item


def release_item(session: Session, *, group_id: str, item_id: int, actor: Actor) -> QueueItem:
    item = get_item(session, group_id=group_id, item_id=item_id)
    _check_pending(session, item, actor, None)
    if item.claimed_by is not None:
        item.claimed_by = None
        item.claimed_until = None
        item.updated_at = utcnow()
        record_event(session, item=item, action="release", admin_id=actor.admin_id)
        session.flush()
    return item


def approve_item(
    session: Session,
    *,
    group_id: str,
    item_id: int,
    actor: Actor,
    version: int,
    prompts_dir: Path,
    final_text: str | None = None,
    label: str | None = None,
) -> QueueItem:
    """Approve as drafted, or with the admin's edit; the item then enters the outbox, unless
    it is for the admins only (``INTERNAL_KINDS``). An FAQ suggestion's text is read with the
    labels of ``prompts_dir``/community/faq.yaml and becomes a knowledge-base entry."""
    item = get_item(session, group_id=group_id, item_id=item_id)
    _check_pending(session, item, actor, version)
    text = item.draft_text if final_text is None else final_text
    if not text.strip() and item.kind != "moderation":
        raise InvalidInputError("the final text is empty: edit the draft or reject the item")
    details: dict[str, Any] = {}
    if item.kind == ItemKind.FAQ_SUGGESTION:
        entry = add_suggested_entry(session, item=item, text=text, prompts_dir=prompts_dir)
        details["knowledge_entry_id"] = entry.id
    edited = text != item.draft_text
    _decide(item, actor, ItemStatus.APPROVED, final_text=text, edited=edited)
    record_event(
        session,
        item=item,
        action="edit_approve" if edited else "approve",
        admin_id=actor.admin_id,
        details={"draft_text": item.draft_text, "final_text": text, "edited": edited, **details},
    )
    session.flush()
    _store_feedback(session, item, actor, label=label)
    if item.kind not in INTERNAL_KINDS:
        enqueue_delivery(session, item=item, approved_by=actor.admin_name)
    session.flush()
    return item


def reject_item(
    session: Session,
    *,
    group_id: str,
    item_id: int,
    actor: Actor,
    version: int,
    reason: str,
    label: str | None = None,
) -> QueueItem:
    item = get_item(session, group_id=group_id, item_id=item_id)
    _check_pending(session, item, actor, version)
    _decide(item, actor, ItemStatus.REJECTED, final_text=None, edited=False)
    item.reject_reason = reason
    record_event(
        session, item=item, action="reject", admin_id=actor.admin_id, details={"reason": reason}
    )
    session.flush()
    _store_feedback(session, item, actor, label=label)
    session.flush()
    return item


def _decide(
    item: QueueItem, actor: Actor, status: ItemStatus, *, final_text: str | None, edited: bool
) -> None:
    now = utcnow()
    item.status = status.value
    item.final_text = final_text
    item.edited = edited
    item.decided_by = actor.admin_id
    item.decided_at = now
    item.claimed_by = None
    item.claimed_until = None
    item.updated_at = now


def _store_feedback(session: Session, item: QueueItem, actor: Actor, *, label: str | None) -> None:
    post = session.get(Post, item.post_id) if item.post_id is not None else None
    analysis = (
        session.scalar(select(AnalysisRow).where(AnalysisRow.post_id == item.post_id))
        if item.post_id is not None
        else None
    )
    approved = item.status == ItemStatus.APPROVED.value
    record = {
        "id": f"{item.group_id}:{item.id}",
        "group_id": item.group_id,
        "item_id": item.id,
        "kind": item.kind,
        "post_id": item.post_id,
        "post_external_id": post.external_id if post else None,
        "text": post.text if post else item.draft_text,
        "language": analysis.language if analysis else item.language,
        "predicted": _predicted(analysis, item),
        "decision": item.status,
        "admin_action": ("edit_approve" if item.edited else "approve") if approved else "reject",
        "admin_label": label or (item.category if approved else None),
        "draft_text": item.draft_text,
        "final_text": item.final_text,
        "edited": item.edited,
        "reject_reason": item.reject_reason,
        "admin": actor.admin_name,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
    }
    insert_ignoring_conflicts(
        session,
        FeedbackExample,
        [
            {
                "group_id": item.group_id,
                "queue_item_id": item.id,
                "post_id": item.post_id,
                "admin_id": actor.admin_id,
                "record": record,
                "created_at": utcnow(),
            }
        ],
        keys=["queue_item_id"],
    )


def _predicted(analysis: AnalysisRow | None, item: QueueItem) -> dict[str, Any]:
    if analysis is None:
        return {"kind": item.kind, "category": item.category, "priority": item.priority}
    payload = analysis.payload
    return {
        "kind": item.kind,
        "action": analysis.action,
        "intent": analysis.intent,
        "category": analysis.category,
        "priority": analysis.priority,
        "confidence": analysis.confidence,
        "labels": {
            role: payload.get(role, {}).get("label")
            for role in ("intent", "offensive", "spam", "sentiment")
        },
        "rule_hits": [hit.get("rule_id") for hit in payload.get("rule_hits", [])],
    }


def feedback_records(
    session: Session, *, group_id: str, since_id: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    query = (
        select(FeedbackExample.record)
        .where(FeedbackExample.group_id == group_id, FeedbackExample.id > since_id)
        .order_by(FeedbackExample.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))

"""The outbox: approved items waiting for delivery, claimed with a lease like jobs."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from assistant.store.db import Store
from assistant.store.errors import ConflictError
from assistant.store.models import (
    INTERNAL_KINDS,
    DeliveryStatus,
    Group,
    OutboxDelivery,
    Post,
    QueueItem,
    ReviewEvent,
    utcnow,
)
from assistant.store.sql import insert_ignoring_conflicts, is_postgres


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    group_id: str
    queue_item_id: int
    url: str
    secret: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    lease_token: str


def idempotency_key(item: QueueItem) -> str:
    return f"mushrif:{item.group_id}:item:{item.id}"


def enqueue_delivery(session: Session, *, item: QueueItem, approved_by: str) -> None:
    """One delivery per approved item (unique), in the approval's own transaction; an item
    for the admins only (an alert, an FAQ suggestion) never enters the outbox."""
    if item.kind in INTERNAL_KINDS:
        raise ValueError(f"queue item {item.id} is a {item.kind}: it is never delivered")
    post = session.get(Post, item.post_id) if item.post_id is not None else None
    key = idempotency_key(item)
    payload = {
        "event": "queue_item.approved",
        "idempotency_key": key,
        "group_id": item.group_id,
        "item": {
            "id": item.id,
            "kind": item.kind,
            "text": item.final_text,
            "language": item.language,
            "action": item.suggested_action,
            "category": item.category,
            "edited": item.edited,
            "post_external_id": post.external_id if post else None,
            "member_external_id": item.member_external_id or (post.author_id if post else None),
        },
        "approved_by": approved_by,
        "approved_at": item.decided_at.isoformat() if item.decided_at else None,
    }
    insert_ignoring_conflicts(
        session,
        OutboxDelivery,
        [
            {
                "group_id": item.group_id,
                "queue_item_id": item.id,
                "idempotency_key": key,
                "payload": payload,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": utcnow(),
                "created_at": utcnow(),
            }
        ],
        keys=["queue_item_id"],
    )


def delivery_of(session: Session, *, item_id: int) -> OutboxDelivery | None:
    return session.scalar(select(OutboxDelivery).where(OutboxDelivery.queue_item_id == item_id))


def claim_due(store: Store, *, limit: int, lease_s: float) -> list[ClaimedDelivery]:
    """Lease due deliveries of groups that have a webhook configured."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = or_(
        and_(
            OutboxDelivery.status == DeliveryStatus.PENDING.value,
            OutboxDelivery.next_attempt_at <= now,
            or_(OutboxDelivery.lease_until.is_(None), OutboxDelivery.lease_until < now),
        ),
    )
    with store.transaction() as session:
        query = (
            select(OutboxDelivery.id)
            .join(Group, Group.id == OutboxDelivery.group_id)
            .where(due, Group.webhook_url.is_not(None))
            .order_by(OutboxDelivery.next_attempt_at, OutboxDelivery.id)
            .limit(limit)
        )
        if is_postgres(session):
            query = query.with_for_update(of=OutboxDelivery, skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.id.in_(ids))
            .values(
                lease_token=token,
                lease_until=now + timedelta(seconds=lease_s),
                attempts=OutboxDelivery.attempts + 1,
            )
        )
        rows = session.execute(
            select(OutboxDelivery, Group.webhook_url, Group.webhook_secret)
            .join(Group, Group.id == OutboxDelivery.group_id)
            .where(OutboxDelivery.lease_token == token)
            .order_by(OutboxDelivery.id)
        )
        return [
            ClaimedDelivery(
                d.id,
                d.group_id,
                d.queue_item_id,
                url or "",
                secret or "",
                d.idempotency_key,
                d.payload,
                d.attempts,
                token,
            )
            for d, url, secret in rows
        ]


def _held(session: Session, delivery: ClaimedDelivery) -> OutboxDelivery | None:
    query = select(OutboxDelivery).where(
        OutboxDelivery.id == delivery.id, OutboxDelivery.lease_token == delivery.lease_token
    )
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalar(query)


def mark_delivered(session: Session, *, delivery: ClaimedDelivery, status_code: int) -> None:
    row = _held(session, delivery)
    if row is None:
        return
    row.status = DeliveryStatus.DELIVERED.value
    row.delivered_at = utcnow()
    row.last_status_code = status_code
    row.last_error = None
    row.lease_token = None
    row.lease_until = None
    _event(session, row, "delivered", {"attempts": row.attempts, "status_code": status_code})


def mark_attempt_failed(
    session: Session,
    *,
    delivery: ClaimedDelivery,
    error: str,
    status_code: int | None,
    max_attempts: int,
    backoff_base_s: float,
    backoff_max_s: float,
) -> bool:
    """Schedule the next try with exponential backoff and jitter; True when given up."""
    row = _held(session, delivery)
    if row is None:
        return False
    row.last_error = error[:2000]
    row.last_status_code = status_code
    row.lease_token = None
    row.lease_until = None
    if row.attempts >= max_attempts:
        row.status = DeliveryStatus.FAILED.value
        _event(session, row, "delivery_failed", {"attempts": row.attempts, "error": error[:500]})
        return True
    delay = min(backoff_max_s, backoff_base_s * 2 ** (row.attempts - 1))
    row.next_attempt_at = utcnow() + timedelta(seconds=delay * random.uniform(0.8, 1.0))
    return False


def retry_delivery(session: Session, *, item: QueueItem, admin_id: int) -> OutboxDelivery:
    if item.kind in INTERNAL_KINDS:
        raise ConflictError(
            f"queue item {item.id} is a {item.kind}, for the admins only: nothing is delivered"
        )
    row = delivery_of(session, item_id=item.id)
    if row is None:
        raise ConflictError(f"queue item {item.id} has no delivery: it was not approved")
    if row.status == DeliveryStatus.DELIVERED.value:
        raise ConflictError(f"queue item {item.id} was already delivered")
    row.status = DeliveryStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.lease_token = None
    row.lease_until = None
    _event(session, row, "redeliver", {}, admin_id=admin_id)
    return row


def _event(
    session: Session,
    row: OutboxDelivery,
    action: str,
    details: dict[str, Any],
    *,
    admin_id: int | None = None,
) -> None:
    session.add(
        ReviewEvent(
            group_id=row.group_id,
            queue_item_id=row.queue_item_id,
            admin_id=admin_id,
            action=action,
            details=details,
        )
    )

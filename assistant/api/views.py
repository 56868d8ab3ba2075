"""Rows → response bodies."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.api.schemas import (
    CitationPublic,
    DeliveryPublic,
    GroupPublic,
    PostPublic,
    QueueItemPublic,
    ReviewEventPublic,
)
from assistant.schemas import Analysis
from assistant.store.models import (
    Admin,
    AnalysisRow,
    DeliveryStatus,
    Group,
    OutboxDelivery,
    Post,
    QueueItem,
    ReviewEvent,
    Role,
)


def group_public(group: Group, role: Role) -> GroupPublic:
    return GroupPublic(
        id=group.id,
        name=group.name,
        languages=group.languages,
        has_rules=bool(group.rules_yaml),
        webhook_url=group.webhook_url,
        webhook_secret=group.webhook_secret if role == Role.OWNER else None,
        role=role,
        created_at=group.created_at,
    )


def post_public(post: Post, analysis: AnalysisRow | None) -> PostPublic:
    return PostPublic(
        id=post.id,
        external_id=post.external_id,
        author_id=post.author_id,
        text=post.text,
        status=post.status,
        error=post.error,
        posted_at=post.posted_at,
        received_at=post.received_at,
        analysis=Analysis.model_validate(analysis.payload) if analysis else None,
    )


def delivery_public(row: OutboxDelivery, group: Group | None) -> DeliveryPublic:
    return DeliveryPublic(
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        last_status_code=row.last_status_code,
        next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.PENDING else None,
        delivered_at=row.delivered_at,
        idempotency_key=row.idempotency_key,
        waiting_for_webhook=group is None or not group.webhook_url,
    )


def items_public(session: Session, items: Sequence[QueueItem]) -> list[QueueItemPublic]:
    """Several items with their posts, explanations, admins and deliveries (4 queries)."""
    post_ids = [i.post_id for i in items if i.post_id is not None]
    item_ids = [i.id for i in items]
    admin_ids = {a for i in items for a in (i.claimed_by, i.decided_by) if a is not None}
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    explanations = {
        post_id: payload.get("explanation")
        for post_id, payload in session.execute(
            select(AnalysisRow.post_id, AnalysisRow.payload).where(
                AnalysisRow.post_id.in_(post_ids)
            )
        )
    }
    names = {
        admin_id: name
        for admin_id, name in session.execute(
            select(Admin.id, Admin.name).where(Admin.id.in_(admin_ids))
        )
    }
    deliveries = {
        d.queue_item_id: d
        for d in session.scalars(
            select(OutboxDelivery).where(OutboxDelivery.queue_item_id.in_(item_ids))
        )
    }
    groups = {
        g.id: g
        for g in session.scalars(select(Group).where(Group.id.in_({i.group_id for i in items})))
    }
    return [
        QueueItemPublic(
            id=i.id,
            group_id=i.group_id,
            kind=i.kind,
            status=i.status,
            priority=i.priority,
            language=i.language,
            category=i.category,
            suggested_action=i.suggested_action,
            post_id=i.post_id,
            post_text=posts[i.post_id].text if i.post_id in posts else None,
            member_external_id=i.member_external_id
            or (posts[i.post_id].author_id if i.post_id in posts else None),
            explanation=explanations.get(i.post_id) if i.post_id is not None else None,
            draft_text=i.draft_text,
            draft_generator=i.draft_generator,
            draft_citations=[CitationPublic.model_validate(c) for c in i.draft_citations or []],
            draft_confidence=i.draft_confidence,
            draft_reason=i.draft_reason,
            final_text=i.final_text,
            edited=i.edited,
            claimed_by=names.get(i.claimed_by) if i.claimed_by is not None else None,
            claimed_until=i.claimed_until,
            decided_by=names.get(i.decided_by) if i.decided_by is not None else None,
            decided_at=i.decided_at,
            reject_reason=i.reject_reason,
            version=i.version,
            created_at=i.created_at,
            updated_at=i.updated_at,
            delivery=delivery_public(deliveries[i.id], groups.get(i.group_id))
            if i.id in deliveries
            else None,
        )
        for i in items
    ]


def item_public(session: Session, item: QueueItem) -> QueueItemPublic:
    return items_public(session, [item])[0]


def event_public(event: ReviewEvent, admin: str) -> ReviewEventPublic:
    return ReviewEventPublic(
        id=event.id,
        action=event.action,
        admin=admin,
        details=event.details,
        created_at=event.created_at,
    )

"""The approval queue: list, read, claim, approve (optionally edited), reject, bulk, audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from assistant.api.deps import (
    GroupModerator,
    GroupViewer,
    ReadSessionDep,
    RowId,
    ServicesDep,
    SessionDep,
)
from assistant.api.errors import status_of
from assistant.api.schemas import (
    ApproveRequest,
    BulkDecision,
    BulkItemResult,
    BulkResult,
    Message,
    QueueItemCreate,
    QueueItemPublic,
    QueuePage,
    RejectRequest,
    ReviewEventPublic,
)
from assistant.api.views import event_public, item_public, items_public
from assistant.publishing import approval
from assistant.publishing.outbox import retry_delivery
from assistant.schemas import Priority
from assistant.store import queue as repo
from assistant.store.errors import InvalidInputError, StoreError
from assistant.store.models import ItemKind, ItemStatus, QueueItem

router = APIRouter(prefix="/v1/groups/{group_id}/queue", tags=["queue"])
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Message,
        "description": "stale version, claimed by another admin, or already decided",
    }
}


@router.get("", response_model=QueuePage, summary="List queue items (most urgent, then oldest)")
def list_queue(
    access: GroupViewer,
    session: ReadSessionDep,
    services: ServicesDep,
    status: Annotated[list[ItemStatus], Query()] = [ItemStatus.PENDING],  # noqa: B006
    kind: Annotated[list[ItemKind], Query()] = [],  # noqa: B006
    priority: Annotated[list[Priority], Query()] = [],  # noqa: B006
    language: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
    category: Annotated[list[str], Query(max_length=60)] = [],  # noqa: B006
    min_age_s: Annotated[int | None, Query(ge=0, le=10**9, description="older than")] = None,
    max_age_s: Annotated[int | None, Query(ge=0, le=10**9, description="newer than")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> QueuePage:
    limit = min(limit, services.settings.queue.page_size_max)
    filters = repo.QueueFilter(
        status=[s.value for s in status],
        kind=[k.value for k in kind],
        priority=[p.value for p in priority],
        language=language,
        category=category,
        min_age_s=min_age_s,
        max_age_s=max_age_s,
    )
    items, total = repo.list_items(
        session, group_id=access.group_id, filters=filters, limit=limit, offset=offset
    )
    return QueuePage(items=items_public(session, items), total=total, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=QueueItemPublic, summary="Add a draft")
def create_item(
    access: GroupModerator, body: QueueItemCreate, session: SessionDep
) -> QueueItemPublic:
    """Queue a draft written elsewhere (a promotion, review post, FAQ suggestion, welcome…).
    A repeated `source_key` returns the existing item."""
    key = f"manual:{body.source_key}" if body.source_key else None
    item = repo.create_manual_item(
        session,
        group_id=access.group_id,
        actor=access.actor,
        source_key=key,
        kind=body.kind.value,
        language=body.language,
        priority=body.priority,
        draft_text=body.draft_text,
        draft_generator=body.draft_generator,
        category=body.category,
    )
    session.commit()
    return item_public(session, item)


@router.post("/bulk", response_model=BulkResult, summary="Approve or reject many items")
def bulk_decide(
    access: GroupModerator, body: BulkDecision, session: SessionDep, services: ServicesDep
) -> BulkResult:
    """Each item succeeds or fails on its own (a stale version fails only that item)."""
    if body.action == "reject" and not body.reason:
        raise InvalidInputError("reason: a bulk reject needs a reason")
    results: list[BulkItemResult] = []
    decided: list[QueueItem] = []
    for ref in body.items:
        try:
            with session.begin_nested():
                item = approval.record(
                    session,
                    services,
                    group_id=access.group_id,
                    item_id=ref.id,
                    actor=access.actor,
                    version=ref.version,
                    action=body.action,
                    reason=body.reason or "",
                )
            decided.append(item)
            results.append(
                BulkItemResult(id=ref.id, ok=True, status_code=200, item=item_public(session, item))
            )
        except StoreError as exc:
            results.append(
                BulkItemResult(id=ref.id, ok=False, status_code=status_of(exc), error=str(exc))
            )
    session.commit()
    approval.after_decision(services, decided)
    ok = sum(r.ok for r in results)
    return BulkResult(succeeded=ok, failed=len(results) - ok, results=results)


@router.get("/{item_id}", response_model=QueueItemPublic, summary="One queue item")
def read_item(access: GroupViewer, item_id: RowId, session: ReadSessionDep) -> QueueItemPublic:
    return item_public(session, repo.get_item(session, group_id=access.group_id, item_id=item_id))


@router.post(
    "/{item_id}/claim",
    response_model=QueueItemPublic,
    responses=_CONFLICT,
    summary="Claim an item so other admins leave it to you",
)
def claim(
    access: GroupModerator, item_id: RowId, session: SessionDep, services: ServicesDep
) -> QueueItemPublic:
    item = repo.claim_item(
        session,
        group_id=access.group_id,
        item_id=item_id,
        actor=access.actor,
        ttl_s=services.settings.queue.claim_ttl_s,
    )
    session.commit()
    return item_public(session, item)


@router.post(
    "/{item_id}/release",
    response_model=QueueItemPublic,
    responses=_CONFLICT,
    summary="Give a claimed item back",
)
def release(access: GroupModerator, item_id: RowId, session: SessionDep) -> QueueItemPublic:
    item = repo.release_item(session, group_id=access.group_id, item_id=item_id, actor=access.actor)
    session.commit()
    return item_public(session, item)


@router.post(
    "/{item_id}/approve",
    response_model=QueueItemPublic,
    responses=_CONFLICT,
    summary="Approve the draft, or your edit of it",
)
def approve(
    access: GroupModerator,
    item_id: RowId,
    body: ApproveRequest,
    session: SessionDep,
    services: ServicesDep,
) -> QueueItemPublic:
    """Stores the AI draft, the final text and who changed it; the item enters the outbox
    (an `alert` or `faq_suggestion` publishes nothing: approving acknowledges it, or adds the
    FAQ entry to the knowledge base)."""
    item = approval.approve(
        session,
        services,
        group_id=access.group_id,
        item_id=item_id,
        actor=access.actor,
        version=body.version,
        final_text=body.final_text,
        label=body.label,
    )
    return item_public(session, item)


@router.post(
    "/{item_id}/reject",
    response_model=QueueItemPublic,
    responses=_CONFLICT,
    summary="Reject with a reason",
)
def reject(
    access: GroupModerator,
    item_id: RowId,
    body: RejectRequest,
    session: SessionDep,
    services: ServicesDep,
) -> QueueItemPublic:
    item = approval.reject(
        session,
        services,
        group_id=access.group_id,
        item_id=item_id,
        actor=access.actor,
        version=body.version,
        reason=body.reason,
        label=body.label,
    )
    return item_public(session, item)


@router.post(
    "/{item_id}/redeliver",
    response_model=QueueItemPublic,
    responses=_CONFLICT,
    summary="Retry a failed webhook delivery now",
)
def redeliver(
    access: GroupModerator, item_id: RowId, session: SessionDep, services: ServicesDep
) -> QueueItemPublic:
    item = repo.get_item(session, group_id=access.group_id, item_id=item_id)
    retry_delivery(session, item=item, admin_id=access.principal.admin_id)
    session.commit()
    services.deliverer.wake()
    return item_public(session, item)


@router.get(
    "/{item_id}/events", response_model=list[ReviewEventPublic], summary="The item's audit log"
)
def item_events(
    access: GroupViewer, item_id: RowId, session: ReadSessionDep
) -> list[ReviewEventPublic]:
    repo.get_item(session, group_id=access.group_id, item_id=item_id)
    rows = repo.events(session, group_id=access.group_id, item_id=item_id)
    return [event_public(event, admin) for event, admin in rows]

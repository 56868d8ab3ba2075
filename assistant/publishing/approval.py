"""An admin's decision on a queue item, one path for the JSON API and the web pages.

The repository records the decision in its transaction (audit event, feedback example, the
outbox delivery unless the item is for the admins only, an FAQ suggestion's knowledge-base
entry); an approved reply answered from the KB also teaches the entry it cited the member's
question (``store.knowledge_examples``). Once it is committed, ``after_decision`` counts it
and, for an approval, wakes the deliverer so the webhook is called now rather than at its next
poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.observability.metrics import Metrics
from assistant.publishing.deliverer import Deliverer
from assistant.store import knowledge_examples
from assistant.store import queue as repo
from assistant.store.models import ItemStatus, QueueItem

DecisionAction = Literal["approve", "reject"]


class DecisionServices(Protocol):
    """What a decision needs from the running service (``assistant.api.deps.Services``)."""

    settings: Settings
    metrics: Metrics
    deliverer: Deliverer


def record(
    session: Session,
    services: DecisionServices,
    *,
    group_id: str,
    item_id: int,
    actor: repo.Actor,
    version: int,
    action: DecisionAction,
    final_text: str | None = None,
    reason: str = "",
    label: str | None = None,
) -> QueueItem:
    """The decision in the caller's transaction, not committed: the caller commits, then
    calls ``after_decision`` (a bulk decision records each item in a savepoint)."""
    if action == "approve":
        item = repo.approve_item(
            session,
            group_id=group_id,
            item_id=item_id,
            actor=actor,
            version=version,
            prompts_dir=services.settings.prompts_dir,
            final_text=final_text,
            label=label,
        )
        if services.settings.answering.learn_from_approvals:
            knowledge_examples.learn_from_approval(session, item)
        return item
    return repo.reject_item(
        session,
        group_id=group_id,
        item_id=item_id,
        actor=actor,
        version=version,
        reason=reason,
        label=label,
    )


def approve(
    session: Session,
    services: DecisionServices,
    *,
    group_id: str,
    item_id: int,
    actor: repo.Actor,
    version: int,
    final_text: str | None = None,
    label: str | None = None,
) -> QueueItem:
    """Approve as drafted or with ``final_text``, commit, then ``after_decision``."""
    item = record(
        session,
        services,
        group_id=group_id,
        item_id=item_id,
        actor=actor,
        version=version,
        action="approve",
        final_text=final_text,
        label=label,
    )
    session.commit()
    after_decision(services, [item])
    return item


def reject(
    session: Session,
    services: DecisionServices,
    *,
    group_id: str,
    item_id: int,
    actor: repo.Actor,
    version: int,
    reason: str,
    label: str | None = None,
) -> QueueItem:
    """Reject with a reason, commit, then ``after_decision``."""
    item = record(
        session,
        services,
        group_id=group_id,
        item_id=item_id,
        actor=actor,
        version=version,
        action="reject",
        reason=reason,
        label=label,
    )
    session.commit()
    after_decision(services, [item])
    return item


def metric_action(item: QueueItem) -> str:
    if item.status == ItemStatus.REJECTED.value:
        return "reject"
    return "edit_approve" if item.edited else "approve"


def after_decision(services: DecisionServices, items: Iterable[QueueItem]) -> None:
    """What follows committed decisions: one ``mushrif_decisions`` count each; the deliverer
    is woken once when any of them is an approval."""
    approved = False
    for item in items:
        services.metrics.decisions.labels(action=metric_action(item)).inc()
        approved = approved or item.status == ItemStatus.APPROVED.value
    if approved:
        services.deliverer.wake()

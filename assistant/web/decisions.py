"""Approve, reject and claim from the web pages: decisions go through the same service functions
as the JSON API (``assistant.publishing.approval``); every outcome is a status and a translated
message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from assistant.api.deps import Services
from assistant.publishing import approval
from assistant.store import queue as repo
from assistant.store.errors import ConflictError, InvalidInputError, NotFoundError, StoreError
from assistant.store.models import Admin, ItemKind, ItemStatus, QueueItem, utcnow
from assistant.web.context import GroupPage
from assistant.web.i18n import Translate

MAX_REASON_CHARS = 2000


@dataclass
class Outcome:
    status: int
    message: str
    item: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status < 300


def normalize_edit(text: str | None, draft: str) -> str | None:
    """Browsers send textarea lines as CRLF: an untouched draft must not count as an edit."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n")
    return None if text == draft else text


def parse_version(raw: object) -> int | None:
    value = str(raw or "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _state(item: QueueItem, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": item.id,
        "status": item.status,
        "version": item.version,
        "edited": item.edited,
        "decided_by": names.get(item.decided_by or -1),
        "claimed_by": names.get(item.claimed_by or -1),
    }


def _names(session: Session, item: QueueItem) -> dict[int, str]:
    names = {}
    for admin_id in (item.decided_by, item.claimed_by):
        admin = session.get(Admin, admin_id) if admin_id is not None else None
        if admin is not None:
            names[admin.id] = admin.name
    return names


def conflict(session: Session, group: GroupPage, item_id: int, t: Translate) -> Outcome:
    """Why an action on ``item_id`` could not happen, read from the item as it is now."""
    session.rollback()
    item = repo.get_item(session, group_id=group.group_id, item_id=item_id)
    names = _names(session, item)
    state = _state(item, names)
    admin = names.get(item.decided_by or -1) or t("conflict.someone")
    if item.status != ItemStatus.PENDING.value and item.decided_by == group.principal.admin_id:
        message = t(f"conflict.{item.status}_by_you")
    elif item.status != ItemStatus.PENDING.value:
        message = t(f"conflict.{item.status}", admin=admin)
    elif (
        item.claimed_by not in (None, group.principal.admin_id)
        and item.claimed_until is not None
        and item.claimed_until > utcnow()
    ):
        message = t("conflict.claimed", admin=names.get(item.claimed_by or -1, "?"))
    else:
        message = t("conflict.changed")
    return Outcome(409, message, state)


def run_decision(
    services: Services,
    group: GroupPage,
    item_id: int,
    t: Translate,
    action: Callable[[Session], QueueItem],
    success_key: str | Callable[[QueueItem], str],
) -> Outcome:
    """Run ``action`` (which commits its work) and say how it went."""
    with services.store.session() as session:
        try:
            item = action(session)
        except NotFoundError:
            return Outcome(404, t("error.item_not_found", item=item_id))
        except (ConflictError, StaleDataError):
            return conflict(session, group, item_id, t)
        except InvalidInputError as exc:
            return Outcome(422, t("error.invalid", detail=str(exc)))
        except StoreError as exc:
            return Outcome(400, str(exc))
        key = success_key if isinstance(success_key, str) else success_key(item)
        return Outcome(200, t(key, item=item.id), _state(item, _names(session, item)))


def approve(
    services: Services,
    group: GroupPage,
    item_id: int,
    *,
    version: int,
    text: str | None,
    t: Translate,
) -> Outcome:
    limit = services.settings.web.max_edit_chars
    if text is not None and len(text.replace("\r\n", "\n")) > limit:
        count = len(text.replace("\r\n", "\n"))
        return Outcome(422, t("error.too_long", count=f"{count:,}", limit=f"{limit:,}"))

    def act(session: Session) -> QueueItem:
        current = repo.get_item(session, group_id=group.group_id, item_id=item_id)
        return approval.approve(
            session,
            services,
            group_id=group.group_id,
            item_id=item_id,
            actor=group.actor,
            version=version,
            final_text=normalize_edit(text, current.draft_text),
        )

    return run_decision(services, group, item_id, t, act, approved_key)


def approved_key(item: QueueItem) -> str:
    """An alert is acknowledged and an FAQ suggestion filed: neither is published."""
    return {
        ItemKind.ALERT.value: "done.acknowledged",
        ItemKind.FAQ_SUGGESTION.value: "done.faq_added",
    }.get(item.kind, "done.approved")


def reject(
    services: Services,
    group: GroupPage,
    item_id: int,
    *,
    version: int,
    reason: str,
    t: Translate,
) -> Outcome:
    reason = reason.strip()
    if not reason:
        return Outcome(422, t("error.reason_required"))
    if len(reason) > MAX_REASON_CHARS:
        return Outcome(422, t("error.reason_too_long", limit=MAX_REASON_CHARS))

    def act(session: Session) -> QueueItem:
        return approval.reject(
            session,
            services,
            group_id=group.group_id,
            item_id=item_id,
            actor=group.actor,
            version=version,
            reason=reason,
        )

    return run_decision(services, group, item_id, t, act, "done.rejected")


def claim(services: Services, group: GroupPage, item_id: int, *, t: Translate) -> Outcome:
    def act(session: Session) -> QueueItem:
        item = repo.claim_item(
            session,
            group_id=group.group_id,
            item_id=item_id,
            actor=group.actor,
            ttl_s=services.settings.queue.claim_ttl_s,
        )
        session.commit()
        return item

    return run_decision(services, group, item_id, t, act, "done.claimed")


def release(services: Services, group: GroupPage, item_id: int, *, t: Translate) -> Outcome:
    def act(session: Session) -> QueueItem:
        item = repo.release_item(
            session, group_id=group.group_id, item_id=item_id, actor=group.actor
        )
        session.commit()
        return item

    return run_decision(services, group, item_id, t, act, "done.released")

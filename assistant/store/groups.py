"""Groups: settings, rules, knowledge base and members."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.moderation.rules import GroupRules, RulesError, parse_rules
from assistant.store.errors import ConflictError, InvalidInputError, NotFoundError
from assistant.store.models import Group, KnowledgeEntry, Member
from assistant.store.scoped import get_in_group
from assistant.store.sql import insert_ignoring_conflicts


def validate_rules_yaml(rules_yaml: str, *, source: str = "rules_yaml") -> GroupRules:
    try:
        data = yaml.safe_load(rules_yaml)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{source}: not valid YAML ({exc})") from None
    try:
        return parse_rules(data, source=source)
    except RulesError as exc:
        raise InvalidInputError(str(exc)) from None


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_group(
    session: Session,
    *,
    group_id: str,
    name: str,
    languages: Sequence[str] = ("ar", "en"),
    rules_yaml: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
) -> Group:
    if session.get(Group, group_id) is not None:
        raise ConflictError(f"group '{group_id}' already exists")
    if rules_yaml is not None:
        validate_rules_yaml(rules_yaml)
    group = Group(
        id=group_id,
        name=name,
        languages=list(languages),
        rules_yaml=rules_yaml,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret or (new_webhook_secret() if webhook_url else None),
        settings={},
    )
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, *, group_id: str) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFoundError(f"group '{group_id}' not found")
    return group


def update_group(session: Session, *, group_id: str, changes: dict[str, Any]) -> Group:
    """Apply the given fields; ``rules_yaml`` is validated before anything is written."""
    group = get_group(session, group_id=group_id)
    if changes.get("rules_yaml") is not None:
        validate_rules_yaml(changes["rules_yaml"])
    for key, value in changes.items():
        setattr(group, key, value)
    if group.webhook_url and not group.webhook_secret:
        group.webhook_secret = new_webhook_secret()
    session.flush()
    return group


def list_groups(session: Session, *, group_ids: Sequence[str]) -> list[Group]:
    return list(session.scalars(select(Group).where(Group.id.in_(group_ids)).order_by(Group.id)))


def knowledge(session: Session, *, group_id: str) -> list[KnowledgeEntry]:
    return list(
        session.scalars(
            select(KnowledgeEntry)
            .where(KnowledgeEntry.group_id == group_id)
            .order_by(KnowledgeEntry.id)
        )
    )


def add_knowledge(
    session: Session,
    *,
    group_id: str,
    question: str,
    answer: str,
    language: str,
    kind: str = "faq",
    tags: Sequence[str] = (),
    entry_key: str | None = None,
    product: dict[str, Any] | None = None,
) -> KnowledgeEntry:
    entry = KnowledgeEntry(
        group_id=group_id,
        kind=kind,
        language=language,
        question=question,
        answer=answer,
        tags=list(tags),
        entry_key=entry_key,
        product=product,
    )
    session.add(entry)
    session.flush()
    return entry


def delete_knowledge(session: Session, *, group_id: str, entry_id: int) -> None:
    entry = get_in_group(
        session, KnowledgeEntry, group_id=group_id, row_id=entry_id, what="knowledge entry"
    )
    session.delete(entry)


def members(session: Session, *, group_id: str, limit: int, offset: int) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.group_id == group_id)
            .order_by(Member.id)
            .limit(limit)
            .offset(offset)
        )
    )


def member(session: Session, *, group_id: str, external_id: str) -> Member:
    found = session.scalar(
        select(Member).where(Member.group_id == group_id, Member.external_id == external_id)
    )
    if found is None:
        raise NotFoundError(f"member '{external_id}' not found in group '{group_id}'")
    return found


def ensure_member(
    session: Session, *, group_id: str, external_id: str, joined_at: datetime
) -> Member:
    """The member, created (joined at ``joined_at``) if the group does not know them yet."""
    insert_ignoring_conflicts(
        session,
        Member,
        [{"group_id": group_id, "external_id": external_id, "joined_at": joined_at}],
        keys=["group_id", "external_id"],
    )
    return member(session, group_id=group_id, external_id=external_id)

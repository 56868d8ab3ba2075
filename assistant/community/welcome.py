"""Welcoming new members: a member-join event queues a ``welcome`` draft in the group's
language(s) that summarizes the group's rules and points to its highlights. Joins that arrive
within ``welcome_batch_window_s`` of the first one share one welcome (its draft is re-written
while it is still pending and unclaimed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.community import texts
from assistant.community.group_settings import CommunityContext, context_for
from assistant.config import Settings
from assistant.moderation.rules import GroupRules, KeywordRule, RegexRule
from assistant.schemas import Priority
from assistant.store.groups import ensure_member, knowledge, validate_rules_yaml
from assistant.store.models import Group, ItemStatus, Member, MemberJoin, QueueItem, utcnow
from assistant.store.queue import NewItem, add_items

MAX_NAMES = 10
MAX_RULE_LINES = 6


class JoinIn(BaseModel):
    """One member who joined."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)
    display_name: str | None = Field(None, max_length=200)
    language: Literal["ar", "en"] | None = None
    joined_at: datetime | None = Field(None, description="default: now; naive times are UTC")
    allow_quoting: bool | None = Field(None, description="may their reviews be quoted?")


class JoinResult(BaseModel):
    joined: int
    duplicates: list[str] = Field(description="members already welcomed recently")
    welcome_item_ids: list[int]
    message: str


def _utc(moment: datetime | None, now: datetime) -> datetime:
    if moment is None:
        return now
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _upsert_member(session: Session, group_id: str, join: JoinIn, at: datetime) -> None:
    member = ensure_member(session, group_id=group_id, external_id=join.external_id, joined_at=at)
    member.display_name = join.display_name or member.display_name
    member.language = join.language or member.language
    if join.allow_quoting is not None:
        member.allow_quoting = join.allow_quoting


def _recently_joined(
    session: Session, group_id: str, external_id: str, at: datetime, days: int
) -> bool:
    latest = session.scalar(
        select(func.max(MemberJoin.joined_at)).where(
            MemberJoin.group_id == group_id, MemberJoin.external_id == external_id
        )
    )
    if latest is None:
        return False
    latest = latest.replace(tzinfo=UTC) if latest.tzinfo is None else latest
    return abs(at - latest) <= timedelta(days=days)


def _open_batch(
    session: Session, group_id: str, at: datetime, window_s: int
) -> tuple[QueueItem, datetime] | None:
    """The latest pending, unclaimed welcome whose first join is within the window of ``at``."""
    if window_s <= 0:
        return None
    item = session.scalar(
        select(QueueItem)
        .where(
            QueueItem.group_id == group_id,
            QueueItem.kind == "welcome",
            QueueItem.category == "welcome_batch",
            QueueItem.status == ItemStatus.PENDING.value,
        )
        .order_by(QueueItem.id.desc())
        .limit(1)
    )
    if item is None or (item.claimed_until is not None and item.claimed_until > utcnow()):
        return None
    first = session.scalar(
        select(func.min(MemberJoin.joined_at)).where(MemberJoin.welcome_item_id == item.id)
    )
    if first is None:
        return None
    first = first.replace(tzinfo=UTC) if first.tzinfo is None else first
    if abs(at - first) > timedelta(seconds=window_s):
        return None
    return item, first


def members_joined(
    session: Session,
    *,
    group: Group,
    joins: Sequence[JoinIn],
    settings: Settings,
    now: datetime | None = None,
) -> JoinResult:
    """Record the joins and queue (or extend) welcome drafts, in the caller's transaction."""
    context = context_for(group, settings.community)
    now = now or utcnow()
    seen: set[str] = set()
    duplicates: list[str] = []
    fresh: list[tuple[datetime, JoinIn]] = []
    for join in joins:
        if join.external_id in seen:
            continue
        seen.add(join.external_id)
        at = _utc(join.joined_at, now)
        recent = _recently_joined(
            session, group.id, join.external_id, at, settings.community.welcome_rejoin_days
        )
        _upsert_member(session, group.id, join, at)
        if recent:
            duplicates.append(join.external_id)
        else:
            fresh.append((at, join))
    touched: list[int] = []
    for at, join in sorted(fresh, key=lambda pair: (pair[0], pair[1].external_id)):
        batch = _open_batch(session, group.id, at, context.welcome_window_s)
        item_id = batch[0].id if batch else _new_welcome(session, group.id, context, at, join)
        session.add(
            MemberJoin(
                group_id=group.id,
                external_id=join.external_id,
                display_name=join.display_name,
                language=join.language,
                joined_at=at,
                welcome_item_id=item_id,
            )
        )
        session.flush()
        if item_id not in touched:
            touched.append(item_id)
    for item_id in touched:
        _render_item(session, group, context, settings.prompts_dir, item_id)
    session.flush()
    message = (
        f"{len(fresh)} new member(s) in {len(touched)} welcome draft(s)"
        if fresh
        else "no new members: everyone here joined recently and was already welcomed"
    )
    return JoinResult(
        joined=len(fresh), duplicates=duplicates, welcome_item_ids=touched, message=message
    )


def _new_welcome(
    session: Session, group_id: str, context: CommunityContext, at: datetime, join: JoinIn
) -> int:
    digest = hashlib.sha256(join.external_id.encode()).hexdigest()[:12]
    key = f"welcome:batch:{at:%Y%m%dT%H%M%S}:{digest}"
    add_items(
        session,
        items=[
            NewItem(
                group_id=group_id,
                source_key=key,
                kind="welcome",
                priority=Priority.LOW,
                language=context.primary_language,
                draft_text="",
                draft_generator="community",
                category="welcome_batch",
                member_external_id=join.external_id,
            )
        ],
    )
    item_id = session.scalar(
        select(QueueItem.id).where(QueueItem.group_id == group_id, QueueItem.source_key == key)
    )
    assert item_id is not None
    return item_id


def _render_item(
    session: Session, group: Group, context: CommunityContext, prompts_dir: Path, item_id: int
) -> None:
    item = session.get(QueueItem, item_id)
    assert item is not None
    joins = list(
        session.scalars(
            select(MemberJoin)
            .where(MemberJoin.welcome_item_id == item_id)
            .order_by(MemberJoin.joined_at, MemberJoin.id)
        )
    )
    names = [j.display_name for j in joins if j.display_name]
    rules = _rules(group)
    questions = {
        lang: [e.question for e in knowledge(session, group_id=group.id) if e.language == lang][:3]
        for lang in context.languages
    }
    text = "\n\n".join(
        welcome_text(prompts_dir, context, lang, names, rules, questions.get(lang, []))
        for lang in context.languages
    )
    count = len(joins)
    reason = (
        f"{count} member(s) joined: "
        + ", ".join(j.display_name or j.external_id for j in joins[:20])
        + (" …" if count > 20 else "")
    )
    if item.draft_text != text or item.draft_reason != reason:
        item.draft_text = text
        item.draft_reason = reason
        item.member_external_id = joins[0].external_id if count == 1 else None
        item.updated_at = utcnow()


def _rules(group: Group) -> GroupRules | None:
    if not group.rules_yaml:
        return None
    return validate_rules_yaml(group.rules_yaml)


def names_text(names: Sequence[str], language: str, wording: texts.WelcomeTexts) -> str:
    shown = list(names[:MAX_NAMES])
    extra = len(names) - len(shown)
    joiner = wording.texts["and"].get(language)
    if extra:
        return (
            "، ".join(shown)
            + joiner
            + texts.render(wording.texts["more_members"].get(language), n=extra)
        )
    if len(shown) <= 1:
        return "".join(shown)
    separator = "، " if language == "ar" else ", "
    return separator.join(shown[:-1]) + joiner + shown[-1]


def rules_summary(
    rules: GroupRules | None, language: str, wording: texts.WelcomeTexts
) -> list[str]:
    """One line per kind of rule, in ``language``, most important first."""
    if rules is None:
        return [wording.texts["no_rules"].get(language)]
    lines: list[str] = []

    def add(line: str) -> None:
        if line and line not in lines:
            lines.append(line)

    categories = wording.rule_categories
    matching: list[KeywordRule | RegexRule] = [*rules.keyword_rules, *rules.regex_rules]
    for rule in matching:
        known = categories.get(rule.category)
        fallback = rule.message.as_dict().get(language) or (
            rule.description if language == "en" else ""
        )
        add(known.get(language) if known else fallback)
    for topic in rules.banned_topics:
        known = categories.get(topic.id)
        fallback = topic.message.as_dict().get(language) or (
            f"No discussions about {topic.description}." if language == "en" else ""
        )
        add(known.get(language) if known else fallback)
    policies = wording.policies
    for name, spec in (("links", rules.links), ("phone_numbers", rules.phone_numbers)):
        text = (policies.get(name) or {}).get(spec.policy, {}).get(language)
        add(text or "")
    if rules.mentions.policy != "allow":
        text = (policies.get("mentions") or {}).get(rules.mentions.policy, {}).get(language)
        add(texts.render(text or "", max_mentions=rules.mentions.max_mentions))
    add(policies["respect"][language])
    return lines[:MAX_RULE_LINES]


def welcome_text(
    prompts_dir: Path,
    context: CommunityContext,
    language: str,
    names: Sequence[str],
    rules: GroupRules | None,
    faq_questions: Sequence[str],
) -> str:
    wording = texts.welcome(prompts_dir)
    t = wording.texts
    who = names_text(names, language, wording)
    greeting = (
        texts.render(t["greeting_named"].get(language), names=who, group=context.group_name)
        if who
        else texts.render(t["greeting_anonymous"].get(language), group=context.group_name)
    )
    parts = [greeting, t["rules_intro"].get(language)]
    parts += [f"• {line}" for line in rules_summary(rules, language, wording)]
    highlights = [
        f"• {h.title(language)}" + (f": {h.url}" if h.url else "")
        for h in context.group.highlights
        if h.title(language)
    ]
    if not highlights and faq_questions:
        joined = " | ".join(q.strip() for q in faq_questions)
        highlights = [f"• {texts.render(t['faq_highlight'].get(language), questions=joined)}"]
    if highlights:
        parts += ["", t["highlights_intro"].get(language), *highlights]
    parts += ["", t["closing"].get(language)]
    return "\n".join(parts)


def set_quoting(session: Session, *, group_id: str, external_id: str, allow: bool) -> Member:
    member = ensure_member(session, group_id=group_id, external_id=external_id, joined_at=utcnow())
    member.allow_quoting = allow
    session.flush()
    return member

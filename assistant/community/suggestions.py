"""Suggestions into the approval queue: each is a queue item (``welcome``, ``promotion``,
``review_post``, ``faq_suggestion`` or ``alert``) whose ``draft_reason`` is the rationale and whose
``draft_citations`` are the evidence (posts and figures), plus a ``community_suggestions`` row with
all the data behind it. Keys are derived from the data, so a second run adds nothing; promotions
and activation posts respect the group's weekly caps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.community.analytics import ActivityAnalysis
from assistant.community.group_settings import CommunityContext
from assistant.schemas import Priority
from assistant.store.models import CommunitySuggestion, QueueItem, utcnow
from assistant.store.queue import NewItem, add_items

GENERATOR = "community"
CapGroup = Literal["promotion", "activation"]
SuggestKind = Literal["promotions", "activation", "reviews", "faq"]


class Evidence(BaseModel):
    """One piece of evidence, shaped like a draft citation so the queue API shows it."""

    entry_id: str
    kind: Literal["post", "figure", "event"]
    title: str
    score: float


class Suggestion(BaseModel):
    source_key: str
    kind: Literal["promotion", "review_post", "faq_suggestion", "alert"]
    category: str
    language: str
    draft_text: str
    rationale: str
    data: dict[str, Any]
    evidence: list[Evidence] = Field(default_factory=list)
    best_time: datetime | None = None
    priority: Priority = Priority.NORMAL
    suggested_action: str | None = None
    post_id: int | None = None
    member_external_id: str | None = None
    cap: CapGroup | None = None
    score: float = 0.0


class SuggestionPublic(BaseModel):
    id: int
    queue_item_id: int | None
    kind: str
    category: str
    week: str
    rationale: str
    data: dict[str, Any]
    best_time: datetime | None
    draft_text: str | None = None
    created_at: datetime


class Skipped(BaseModel):
    source_key: str
    reason: str


class SuggestionRun(BaseModel):
    requested: str
    as_of: datetime
    created: list[SuggestionPublic]
    already_suggested: list[str] = Field(description="found again; already in the queue")
    skipped: list[Skipped]
    notes: list[str]


def iso_week(moment: datetime, context: CommunityContext) -> str:
    year, week, _ = moment.astimezone(context.tz).isocalendar()
    return f"{year}-W{week:02d}"


def compose(context: CommunityContext, by_language: dict[str, str]) -> str:
    """The draft in each of the group's languages, Arabic first when both."""
    parts = [by_language[lang] for lang in context.languages if by_language.get(lang)]
    return "\n\n".join(parts)


def next_slot(
    analysis: ActivityAnalysis,
    after: datetime,
    *,
    weekday: int | None = None,
    before: date | None = None,
) -> datetime:
    """The busiest hour of the coming week after ``after`` (on ``weekday`` if given, and before
    the day ``before`` when possible), from the hour-by-weekday histogram of the period."""
    tz = analysis.context.tz
    local = after.astimezone(tz)
    start = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    grid = analysis.hour_weekday
    slots = [start + timedelta(hours=i) for i in range(7 * 24)]
    if weekday is not None:
        slots = [s for s in slots if s.weekday() == weekday]
    if before is not None:
        early = [s for s in slots if s.date() < before]
        slots = early or slots
    if not any(grid[s.weekday()][s.hour] for s in slots):
        hour = 20
        slots = [s for s in slots if s.hour == hour] or slots
    return max(slots, key=lambda s: (grid[s.weekday()][s.hour], -s.timestamp()))


def _existing_keys(session: Session, group_id: str, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            select(CommunitySuggestion.source_key).where(
                CommunitySuggestion.group_id == group_id,
                CommunitySuggestion.source_key.in_(list(keys)),
            )
        )
    )


def _used_this_week(session: Session, group_id: str, week: str, cap: CapGroup) -> int:
    categories = [c for c, group in CAP_OF.items() if group == cap]
    return int(
        session.scalar(
            select(func.count())
            .select_from(CommunitySuggestion)
            .where(
                CommunitySuggestion.group_id == group_id,
                CommunitySuggestion.week == week,
                CommunitySuggestion.category.in_(categories),
            )
        )
        or 0
    )


CAP_OF: dict[str, CapGroup] = {
    "promotion_burst": "promotion",
    "promotion_season": "promotion",
    "activation_weekday": "activation",
    "activation_quiet_period": "activation",
    "activation_quiet_members": "activation",
}


def persist(
    session: Session,
    *,
    context: CommunityContext,
    candidates: Sequence[Suggestion],
    as_of: datetime,
    requested: str,
    notes: Sequence[str] = (),
) -> SuggestionRun:
    """Queue the new candidates (best first) within the weekly caps, in the caller's
    transaction."""
    group_id = context.group_id
    week = iso_week(as_of, context)
    existing = _existing_keys(session, group_id, [c.source_key for c in candidates])
    fresh = sorted(
        (c for c in candidates if c.source_key not in existing),
        key=lambda c: (-c.score, c.source_key),
    )
    caps: dict[CapGroup, int] = {
        "promotion": context.promotion_cap,
        "activation": context.activation_cap,
    }
    used = {cap: _used_this_week(session, group_id, week, cap) for cap in caps}
    skipped: list[Skipped] = []
    created: list[SuggestionPublic] = []
    for candidate in fresh:
        cap = CAP_OF.get(candidate.category)
        if cap is not None and used[cap] >= caps[cap]:
            skipped.append(
                Skipped(
                    source_key=candidate.source_key,
                    reason=f"weekly cap reached: {caps[cap]} {cap} posts in {week} "
                    f"(group setting weekly_{cap}_cap)",
                )
            )
            continue
        if cap is not None:
            used[cap] += 1
        created.append(_store(session, context, candidate, week))
    return SuggestionRun(
        requested=requested,
        as_of=as_of,
        created=created,
        already_suggested=sorted(existing),
        skipped=skipped,
        notes=list(notes),
    )


def _store(
    session: Session, context: CommunityContext, candidate: Suggestion, week: str
) -> SuggestionPublic:
    group_id = context.group_id
    add_items(
        session,
        items=[
            NewItem(
                group_id=group_id,
                source_key=candidate.source_key,
                kind=candidate.kind,
                priority=candidate.priority,
                language=candidate.language,
                draft_text=candidate.draft_text,
                draft_generator=GENERATOR,
                category=candidate.category,
                suggested_action=candidate.suggested_action,
                post_id=candidate.post_id,
                member_external_id=candidate.member_external_id,
                draft_citations=[e.model_dump() for e in candidate.evidence],
                draft_reason=candidate.rationale,
            )
        ],
    )
    item_id = session.scalar(
        select(QueueItem.id).where(
            QueueItem.group_id == group_id, QueueItem.source_key == candidate.source_key
        )
    )
    row = CommunitySuggestion(
        group_id=group_id,
        source_key=candidate.source_key,
        queue_item_id=item_id,
        kind=candidate.kind,
        category=candidate.category,
        week=week,
        rationale=candidate.rationale,
        data=candidate.data,
        best_time=candidate.best_time,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return public(row, candidate.draft_text)


def public(row: CommunitySuggestion, draft_text: str | None) -> SuggestionPublic:
    return SuggestionPublic(
        id=row.id,
        queue_item_id=row.queue_item_id,
        kind=row.kind,
        category=row.category,
        week=row.week,
        rationale=row.rationale,
        data=row.data,
        best_time=row.best_time,
        draft_text=draft_text,
        created_at=row.created_at,
    )


def list_suggestions(
    session: Session, *, group_id: str, limit: int, offset: int
) -> list[SuggestionPublic]:
    rows = session.execute(
        select(CommunitySuggestion, QueueItem.draft_text)
        .outerjoin(QueueItem, QueueItem.id == CommunitySuggestion.queue_item_id)
        .where(CommunitySuggestion.group_id == group_id)
        .order_by(CommunitySuggestion.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [public(row, text) for row, text in rows]

"""Entry points used by the API and the CLI: analytics of a period, and suggestions of one kind
(``promotions``, ``activation``, ``reviews``, ``faq`` or ``all``) queued for approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from assistant.community.activation import activation_suggestions
from assistant.community.analytics import ActivityAnalysis, analyze_activity, resolve_period
from assistant.community.faq import faq_suggestions
from assistant.community.group_settings import context_for
from assistant.community.promotions import burst_suggestions, seasonal_suggestions
from assistant.community.reviews import review_suggestions
from assistant.community.suggestions import Suggestion, SuggestionRun, persist
from assistant.config import Settings
from assistant.store.groups import get_group

KINDS = ("promotions", "activation", "reviews", "faq")


def activity(
    session: Session,
    *,
    group_id: str,
    settings: Settings,
    since: datetime | None = None,
    until: datetime | None = None,
    timezone: str | None = None,
    now: datetime | None = None,
) -> ActivityAnalysis:
    group = get_group(session, group_id=group_id)
    context = context_for(group, settings.community, timezone=timezone)
    start, end = resolve_period(context, since=since, until=until, now=now)
    return analyze_activity(session, context=context, settings=settings, since=start, until=end)


def suggest(
    session: Session,
    *,
    group_id: str,
    kind: str,
    settings: Settings,
    since: datetime | None = None,
    until: datetime | None = None,
    timezone: str | None = None,
    now: datetime | None = None,
) -> SuggestionRun:
    """Analyze the period, then queue the suggestions of ``kind`` as of the period's end."""
    if kind not in (*KINDS, "all"):
        from assistant.store.errors import InvalidInputError

        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)} or all, not '{kind}'")
    analysis = activity(
        session,
        group_id=group_id,
        settings=settings,
        since=since,
        until=until,
        timezone=timezone,
        now=now,
    )
    as_of = analysis.report.period.until
    prompts = settings.prompts_dir
    candidates: list[Suggestion] = []
    notes = list(analysis.report.notes)
    kinds = KINDS if kind == "all" else (kind,)
    if "promotions" in kinds:
        candidates += burst_suggestions(analysis, prompts, as_of)
        candidates += seasonal_suggestions(analysis, prompts, as_of)
    if "activation" in kinds:
        candidates += activation_suggestions(analysis, prompts, as_of)
    if "reviews" in kinds:
        found, review_notes = review_suggestions(session, analysis, prompts, as_of)
        candidates += found
        notes += review_notes
    if "faq" in kinds:
        found, faq_notes = faq_suggestions(session, analysis, prompts)
        candidates += found
        notes += faq_notes
    run = persist(
        session,
        context=analysis.context,
        candidates=candidates,
        as_of=as_of,
        requested=kind,
        notes=notes,
    )
    if not candidates and analysis.report.totals.posts:
        run.notes.append(f"no {kind} pattern found in this period: nothing suggested")
    return run

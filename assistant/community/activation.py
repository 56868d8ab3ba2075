"""Activation: polls, questions and contests for a quiet weekday, a quiet stretch or members who
went quiet, each about the group's top topic."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median

from assistant.community import texts
from assistant.community.analytics import ActivityAnalysis, QuietWeekday, percent
from assistant.community.promotions import topic_name, when_text
from assistant.community.suggestions import (
    Evidence,
    Suggestion,
    compose,
    iso_week,
    next_slot,
)


def activation_suggestions(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime
) -> list[Suggestion]:
    report = analysis.report
    out = [_weekday(analysis, prompts_dir, as_of, q) for q in report.quiet_weekdays]
    change = report.volume_change
    if change is not None and change.change <= -analysis.context.settings.period_drop:
        out.append(_quiet_period(analysis, prompts_dir, as_of))
    if report.quiet_members:
        out.append(_quiet_members(analysis, prompts_dir, as_of))
    return out


def _drafts(
    analysis: ActivityAnalysis, prompts_dir: Path, draft: str, rationale: str, **fields: object
) -> tuple[str, str]:
    wording = texts.activation(prompts_dir)
    context = analysis.context
    by_language: dict[str, str] = {}
    reason = ""
    for language in ("ar", "en"):
        localized = {k: (v[language] if isinstance(v, dict) else v) for k, v in fields.items()}
        localized["topic"] = topic_name(analysis, language)
        by_language[language] = texts.render(wording.drafts[draft].get(language), **localized)
        if language == context.primary_language:
            reason = texts.render(wording.rationale[rationale].get(language), **localized)
    return compose(context, by_language), reason


def _weekday(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime, quiet: QuietWeekday
) -> Suggestion:
    names = texts.activation(prompts_dir).weekdays
    text, reason = _drafts(
        analysis,
        prompts_dir,
        "poll",
        "quiet_weekday",
        weekday={"ar": names["ar"][quiet.weekday], "en": names["en"][quiet.weekday]},
        drop=percent(quiet.drop),
        posts_per_day=f"{quiet.per_day:g}",
        median_per_day=f"{quiet.median_per_day:g}",
    )
    when = next_slot(analysis, as_of, weekday=quiet.weekday)
    return Suggestion(
        source_key=f"activation:weekday:{quiet.weekday}:{iso_week(as_of, analysis.context)}",
        kind="promotion",
        category="activation_weekday",
        language=analysis.context.primary_language,
        draft_text=text,
        rationale=f"{reason}. {when_text(when, analysis)}",
        data={
            "pattern": "quiet_weekday",
            "quiet_weekday": quiet.model_dump(mode="json"),
            "volume_by_weekday": [v.model_dump() for v in analysis.report.volume_by_weekday],
            "best_time_local": when.astimezone(analysis.context.tz).isoformat(),
        },
        evidence=[
            Evidence(
                entry_id=f"posts_per_{quiet.name.lower()}",
                kind="figure",
                title=f"posts per {quiet.name}",
                score=quiet.per_day,
            ),
            Evidence(
                entry_id="posts_per_typical_day",
                kind="figure",
                title="posts on a typical day (median weekday)",
                score=quiet.median_per_day,
            ),
        ],
        best_time=when,
        cap="activation",
        score=5.0 + quiet.drop,
    )


def _quiet_period(analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime) -> Suggestion:
    change = analysis.report.volume_change
    assert change is not None
    text, reason = _drafts(
        analysis,
        prompts_dir,
        "contest",
        "quiet_period",
        days=change.recent_days,
        drop=percent(change.change),
        recent_per_day=f"{change.recent_per_day:g}",
        usual_per_day=f"{change.usual_per_day:g}",
    )
    when = next_slot(analysis, as_of)
    start = (as_of - timedelta(days=change.recent_days)).astimezone(analysis.context.tz).date()
    return Suggestion(
        source_key=f"activation:quiet-period:{start.isoformat()}",
        kind="promotion",
        category="activation_quiet_period",
        language=analysis.context.primary_language,
        draft_text=text,
        rationale=f"{reason}. {when_text(when, analysis)}",
        data={"pattern": "quiet_period", "volume_change": change.model_dump(mode="json")},
        evidence=[
            Evidence(
                entry_id="recent_posts_per_day",
                kind="figure",
                title=f"posts a day, last {change.recent_days} days",
                score=change.recent_per_day,
            ),
            Evidence(
                entry_id="usual_posts_per_day",
                kind="figure",
                title="posts a day before that",
                score=change.usual_per_day,
            ),
        ],
        best_time=when,
        cap="activation",
        score=6.0 - change.change,
    )


def _quiet_members(analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime) -> Suggestion:
    quiet = analysis.report.quiet_members
    config = analysis.context.settings
    expected = median(q.expected_recent for q in quiet)
    text, reason = _drafts(
        analysis,
        prompts_dir,
        "question",
        "quiet_members",
        count=len(quiet),
        days=config.quiet_days,
        expected=f"{expected:g}",
    )
    members = sorted(q.member for q in quiet)
    digest = hashlib.sha256("\x1f".join(members).encode()).hexdigest()[:16]
    when = next_slot(analysis, as_of)
    return Suggestion(
        source_key=f"activation:quiet-members:{digest}",
        kind="promotion",
        category="activation_quiet_members",
        language=analysis.context.primary_language,
        draft_text=text,
        rationale=f"{reason}. {when_text(when, analysis)}",
        data={
            "pattern": "quiet_members",
            "members": [q.model_dump(mode="json") for q in quiet],
            "quiet_days": config.quiet_days,
        },
        evidence=[
            Evidence(
                entry_id=f"member:{q.member}",
                kind="figure",
                title=f"member {q.member}: {q.posts_before} posts before, none in the last "
                f"{config.quiet_days} days",
                score=q.expected_recent,
            )
            for q in quiet[:10]
        ],
        best_time=when,
        cap="activation",
        score=4.0 + len(quiet) / 10,
    )

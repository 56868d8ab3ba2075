"""Promotion and event suggestions: a burst of questions on one topic becomes an offer on that
topic, and the seasonal calendar (Ramadan, the Eids, White Friday, national days,
back-to-school) becomes seasonal posts ahead of time. Each carries the best time to post."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.community import texts
from assistant.community.analytics import ActivityAnalysis
from assistant.community.calendar import SeasonalEvent, upcoming
from assistant.community.questions import QuestionBurst
from assistant.community.suggestions import Evidence, Suggestion, compose, next_slot

WHEN_FORMAT = "%Y-%m-%d %H:00"


def when_text(moment: datetime, analysis: ActivityAnalysis) -> str:
    local = moment.astimezone(analysis.context.tz)
    return f"{local.strftime('%A')} {local.strftime(WHEN_FORMAT)} ({analysis.context.tz_name})"


def topic_name(analysis: ActivityAnalysis, language: str) -> str:
    """How drafts name what the group talks about most: its main concept (the new collection,
    fabrics…), else its most used word, else the group's name."""
    if analysis.report.top_concepts:
        return analysis.vocabulary.name(analysis.report.top_concepts[0], language)
    words = analysis.report.top_words
    other = "en" if language == "ar" else "ar"
    found = words.get(language) or words.get(other) or [analysis.context.group_name]
    return found[0]


def _best_time_line(prompts_dir: Path, analysis: ActivityAnalysis, moment: datetime) -> str:
    template = texts.promotions(prompts_dir).best_time.get(analysis.context.primary_language)
    return texts.render(template, when=when_text(moment, analysis))


def burst_suggestions(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime
) -> list[Suggestion]:
    return [_from_burst(analysis, prompts_dir, as_of, b) for b in analysis.report.question_bursts]


def _from_burst(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime, burst: QuestionBurst
) -> Suggestion:
    wording = texts.promotions(prompts_dir)
    theme = wording.themes.get(burst.concept or "") or wording.themes["default"]
    context = analysis.context
    drafts: dict[str, str] = {}
    ideas: dict[str, str] = {}
    for language in ("ar", "en"):
        other = "en" if language == "ar" else "ar"
        focus = burst.focus.get(language) or burst.focus.get(other)
        fields = {
            "focus": focus or burst.name[language],
            "focus_paren": f" ({focus})" if focus else "",
            "topic": burst.name[language],
            "count": burst.questions,
            "days": burst.days,
            "usual": f"{burst.usual:g}",
        }
        ideas[language] = texts.render(theme.idea.get(language), **fields)
        drafts[language] = texts.render(theme.draft.get(language), **fields)
        fields["idea"] = ideas[language]
        if language == context.primary_language:
            rationale = texts.render(wording.rationale.get(language), **fields)
    when = next_slot(analysis, as_of)
    focus_key = burst.focus.get("ar") or burst.focus.get("en") or "-"
    return Suggestion(
        source_key=f"promotion:burst:{burst.key}:{focus_key}:{burst.start.isoformat()}",
        kind="promotion",
        category="promotion_burst",
        language=context.primary_language,
        draft_text=compose(context, drafts),
        rationale=f"{rationale}. {_best_time_line(prompts_dir, analysis, when)}",
        data={
            "pattern": "question_burst",
            "burst": burst.model_dump(mode="json"),
            "idea": ideas,
            "best_time_local": when.astimezone(context.tz).isoformat(),
            "hour_histogram": analysis.report.volume_by_hour,
        },
        evidence=[
            Evidence(
                entry_id="questions_in_window",
                kind="figure",
                title=f"questions about {burst.name['en']} {burst.start}..{burst.end}",
                score=burst.questions,
            ),
            Evidence(
                entry_id="usual_questions",
                kind="figure",
                title=f"usual questions about {burst.name['en']} in {burst.days} days",
                score=burst.usual,
            ),
            *[
                Evidence(entry_id=f"post:{pid}", kind="post", title="an example question", score=1)
                for pid in burst.example_post_ids[:3]
            ],
        ],
        best_time=when,
        cap="promotion",
        score=10.0 + burst.factor,
    )


def seasonal_suggestions(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime
) -> list[Suggestion]:
    context = analysis.context
    today = as_of.astimezone(context.tz).date()
    events = upcoming(
        prompts_dir,
        today,
        context.settings.season_lead_days,
        country=context.country,
        back_to_school=context.group.back_to_school,
    )
    return [_from_event(analysis, prompts_dir, as_of, e) for e in events]


def _from_event(
    analysis: ActivityAnalysis, prompts_dir: Path, as_of: datetime, event: SeasonalEvent
) -> Suggestion:
    calendar = texts.calendar(prompts_dir)
    context = analysis.context
    today = as_of.astimezone(context.tz).date()
    template_key = "national_day" if event.key.startswith("national_day") else event.key
    wording = calendar.events[template_key]
    ongoing = event.start <= today
    days_left = (event.start - today).days
    drafts: dict[str, str] = {}
    rationale = ""
    for language in ("ar", "en"):
        fields = {
            "event": event.name[language],
            "date": event.start.isoformat(),
            "end": event.end.isoformat(),
            "topic": topic_name(analysis, language),
            "days_left": days_left,
            "as_of": today.isoformat(),
            "hijri": f"; {event.hijri} هـ"
            if event.hijri and language == "ar"
            else (f"; Hijri {event.hijri}" if event.hijri else ""),
        }
        template = wording.ongoing if ongoing and wording.ongoing else wording.draft
        drafts[language] = texts.render(template.get(language), **fields)
        if language == context.primary_language:
            which = "ongoing" if ongoing else "upcoming"
            rationale = texts.render(calendar.rationale[which].get(language), **fields)
    when = next_slot(analysis, as_of, before=None if ongoing else event.start)
    best_line = _best_time_line(prompts_dir, analysis, when)
    lead = max(1, context.settings.season_lead_days)
    return Suggestion(
        source_key=f"promotion:season:{event.key}:{event.start.isoformat()}",
        kind="promotion",
        category="promotion_season",
        language=context.primary_language,
        draft_text=compose(context, drafts),
        rationale=f"{rationale}. {best_line}",
        data={
            "pattern": "seasonal_event",
            "event": event.model_dump(mode="json"),
            "ongoing": ongoing,
            "days_left": days_left,
            "best_time_local": when.astimezone(context.tz).isoformat(),
        },
        evidence=[
            Evidence(
                entry_id=event.key,
                kind="event",
                title=f"{event.name['en']} {event.start}..{event.end} ({event.source})",
                score=float(days_left),
            )
        ],
        best_time=when,
        cap="promotion",
        score=5.0 + (lead - max(days_left, 0)) / lead,
    )

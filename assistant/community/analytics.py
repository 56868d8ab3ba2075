"""Activity analytics of a group over a period: when members post (in the group's time zone),
what they talk about, what they ask again and again, what goes unanswered, how the mood moves,
who is most active and who went quiet. The patterns found here feed every suggestion."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from assistant.community.calendar import SeasonalEvent, events_between
from assistant.community.group_settings import CommunityContext
from assistant.community.questions import (
    QuestionBurst,
    QuestionFindings,
    QuestionGroup,
    analyze_questions,
)
from assistant.community.records import (
    PostRecord,
    answered_post_ids,
    group_post_count,
    load_posts,
)
from assistant.community.topics import Topic, find_topics
from assistant.community.vocabulary import Vocabulary, known_words, load_vocabulary, top_words
from assistant.config import Settings
from assistant.store.errors import InvalidInputError
from assistant.text.normalize import normalize

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Period(BaseModel):
    since: datetime
    until: datetime
    timezone: str
    timezone_source: str = Field(description="request, group, default or utc")
    days: int


class Totals(BaseModel):
    posts: int
    analyzed: int
    questions: int
    active_members: int
    instruction_like_posts: int = Field(
        description="posts that try to instruct the assistant: counted, never used in drafts"
    )


class WeekdayVolume(BaseModel):
    weekday: str
    posts: int
    days: int = Field(description="how many of these weekdays the period has")
    per_day: float


class TimeSlot(BaseModel):
    weekday: str | None = None
    hour: int
    posts: int


class DayActivity(BaseModel):
    date: date
    posts: int
    questions: int
    positive: int
    negative: int


class SentimentWeek(BaseModel):
    week_start: date
    positive: int
    neutral: int
    negative: int
    net: float = Field(description="(positive - negative) / analyzed posts")


class SentimentTrend(BaseModel):
    positive: int
    neutral: int
    negative: int
    weeks: list[SentimentWeek]
    change: float | None = Field(None, description="net of the last week minus the first")


class MemberActivity(BaseModel):
    member: str
    posts: int
    last_post_at: datetime


class QuietMember(BaseModel):
    member: str
    posts_before: int
    expected_recent: float = Field(description="posts expected in the quiet stretch at their rate")
    last_post_at: datetime


class QuietWeekday(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    name: str
    per_day: float
    median_per_day: float
    drop: float


class VolumeChange(BaseModel):
    recent_days: int
    recent_per_day: float
    usual_per_day: float
    change: float = Field(description="relative change of the recent stretch, e.g. -0.4")


class Unanswered(BaseModel):
    questions: int = Field(description="questions older than the wait without an approved reply")
    share: float
    after_hours: float
    example_post_ids: list[int]


class Review(BaseModel):
    post_id: int
    member: str | None
    at: datetime
    sentiment: str
    language: str
    text: str


class ActivityReport(BaseModel):
    group_id: str
    period: Period
    notes: list[str]
    totals: Totals
    volume_by_hour: list[int] = Field(description="24 counts, hour 0 to 23 in the time zone")
    volume_by_weekday: list[WeekdayVolume]
    best_time: TimeSlot | None
    daily: list[DayActivity]
    sentiment: SentimentTrend
    topics: list[Topic]
    topic_method: str
    top_words: dict[str, list[str]] = Field(description="most used content words, per language")
    top_concepts: list[str] = Field(description="what the group talks about, most first")
    recurring_questions: list[QuestionGroup]
    question_bursts: list[QuestionBurst]
    unanswered: Unanswered
    top_members: list[MemberActivity]
    quiet_members: list[QuietMember]
    quiet_weekdays: list[QuietWeekday]
    volume_change: VolumeChange | None
    positive_reviews: list[Review]
    negative_reviews: list[Review]
    seasonal_events: list[SeasonalEvent] = Field(
        description="events in the period or within the lead time after it"
    )


@dataclass
class ActivityAnalysis:
    """The public report plus what suggestions need and the report does not show."""

    report: ActivityReport
    context: CommunityContext
    records: list[PostRecord]
    questions: QuestionFindings
    vocabulary: Vocabulary
    hour_weekday: list[list[int]]  # [weekday][hour]


def resolve_period(
    context: CommunityContext,
    *,
    since: datetime | None,
    until: datetime | None,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """Defaults: the last ``community.period_days`` up to now. Naive times are read in the
    group's time zone."""
    config = context.settings
    end = _aware(until, context) if until else (now or datetime.now(UTC))
    start = _aware(since, context) if since else end - timedelta(days=config.period_days)
    for name, value in (("since", start), ("until", end)):
        if not EARLIEST <= value <= LATEST:
            raise InvalidInputError(
                f"{name} {value:%Y-%m-%d} is out of range: use dates between 2000 and 2100"
            )
    if start >= end:
        raise InvalidInputError(
            f"since ({start:%Y-%m-%d %H:%M}) must be before until ({end:%Y-%m-%d %H:%M})"
        )
    if end - start > timedelta(days=config.max_period_days):
        raise InvalidInputError(
            f"the period is {(end - start).days} days; the limit is {config.max_period_days} "
            "(community.max_period_days)"
        )
    return start, end


def _aware(value: datetime, context: CommunityContext) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=context.tz)
    return value.astimezone(UTC)


def analyze_activity(
    session: Session,
    *,
    context: CommunityContext,
    settings: Settings,
    since: datetime,
    until: datetime,
) -> ActivityAnalysis:
    config = settings.community
    notes = list(context.notes)
    records = load_posts(session, group_id=context.group_id, since=since, until=until)
    if not records:
        if group_post_count(session, group_id=context.group_id) == 0:
            notes.append("the group has no posts yet: nothing to analyze")
        else:
            notes.append(
                f"no posts between {since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC: "
                "try a longer period"
            )
    tz = context.tz
    first_day = since.astimezone(tz).date()
    last_day = (until - timedelta(microseconds=1)).astimezone(tz).date()
    usable = [r for r in records if r.usable]
    vocabulary = load_vocabulary(settings.prompts_dir).with_known(
        known_words(r.normalized for r in usable)
    )
    questions = [r for r in usable if r.intent == "question"]
    findings = analyze_questions(
        questions,
        vocabulary=vocabulary,
        config=config,
        tz=tz,
        first_day=first_day,
        last_day=last_day,
    )
    if records:
        notes.extend(findings.notes)
    hour_weekday = [[0] * 24 for _ in range(7)]
    for record in records:
        local = record.at.astimezone(tz)
        hour_weekday[local.weekday()][local.hour] += 1
    topic_result = find_topics(records, vocabulary=vocabulary, settings=settings)
    if topic_result.note and records:
        notes.append(topic_result.note)
    unanswered = _unanswered(session, context, questions, until, config.unanswered_after_hours)
    weekday_volume = _weekday_volume(hour_weekday, first_day, last_day)
    analyzed = [r for r in records if r.analyzed]
    if records and len(analyzed) < len(records):
        notes.append(f"{len(records) - len(analyzed)} posts are not analyzed yet")
    instruction_like = sum(r.instruction_like for r in records)
    words, concepts = top_words(usable, vocabulary)
    report = ActivityReport(
        group_id=context.group_id,
        period=Period(
            since=since,
            until=until,
            timezone=context.tz_name,
            timezone_source=context.tz_source,
            days=(last_day - first_day).days + 1,
        ),
        notes=notes,
        totals=Totals(
            posts=len(records),
            analyzed=len(analyzed),
            questions=len(questions),
            active_members=len({r.author for r in records if r.author}),
            instruction_like_posts=instruction_like,
        ),
        volume_by_hour=[sum(hour_weekday[d][h] for d in range(7)) for h in range(24)],
        volume_by_weekday=weekday_volume,
        best_time=_best_slot(hour_weekday),
        daily=_daily(records, context, first_day, last_day),
        sentiment=_sentiment(analyzed, context),
        topics=topic_result.topics,
        topic_method=topic_result.method,
        top_words=words,
        top_concepts=concepts,
        recurring_questions=findings.recurring,
        question_bursts=findings.bursts,
        unanswered=unanswered,
        top_members=_top_members(records, config.top_members),
        quiet_members=_quiet_members(
            records, since, until, config.quiet_days, config.quiet_min_expected
        ),
        quiet_weekdays=_quiet_weekdays(weekday_volume, len(records), config.weekday_drop),
        volume_change=_volume_change(records, since, until, config.quiet_days),
        positive_reviews=_reviews(usable, "positive"),
        negative_reviews=_reviews(usable, "negative"),
        seasonal_events=_seasonal(settings.prompts_dir, context, first_day, last_day),
    )
    return ActivityAnalysis(report, context, records, findings, vocabulary, hour_weekday)


def _days_of_weekday(first: date, last: date) -> list[int]:
    counts = [0] * 7
    total = (last - first).days + 1
    for offset in range(min(total, 7)):
        weekday = (first + timedelta(days=offset)).weekday()
        counts[weekday] = len(range(offset, total, 7))
    return counts


def _weekday_volume(hour_weekday: list[list[int]], first: date, last: date) -> list[WeekdayVolume]:
    occurrences = _days_of_weekday(first, last)
    return [
        WeekdayVolume(
            weekday=WEEKDAYS[d],
            posts=sum(hour_weekday[d]),
            days=occurrences[d],
            per_day=round(sum(hour_weekday[d]) / occurrences[d], 2) if occurrences[d] else 0.0,
        )
        for d in range(7)
    ]


def _best_slot(hour_weekday: list[list[int]]) -> TimeSlot | None:
    hours = [sum(hour_weekday[d][h] for d in range(7)) for h in range(24)]
    if not any(hours):
        return None
    hour = max(range(24), key=lambda h: (hours[h], -h))
    return TimeSlot(hour=hour, posts=hours[hour])


def best_hour(analysis: ActivityAnalysis) -> int:
    """The hour with most posts (20:00 when the period is empty)."""
    slot = analysis.report.best_time
    return slot.hour if slot else 20


def _daily(
    records: Sequence[PostRecord], context: CommunityContext, first: date, last: date
) -> list[DayActivity]:
    if not records:
        return []
    rows: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for record in records:
        row = rows[record.at.astimezone(context.tz).date()]
        row[0] += 1
        row[1] += record.intent == "question"
        row[2] += record.sentiment == "positive"
        row[3] += record.sentiment == "negative"
    days = (last - first).days + 1
    return [
        DayActivity(date=day, posts=r[0], questions=r[1], positive=r[2], negative=r[3])
        for day in (first + timedelta(days=i) for i in range(days))
        for r in [rows.get(day, [0, 0, 0, 0])]
    ]


def _sentiment(analyzed: Sequence[PostRecord], context: CommunityContext) -> SentimentTrend:
    totals: Counter[str] = Counter(r.sentiment for r in analyzed)
    weekly: dict[date, Counter[str]] = defaultdict(Counter)
    for record in analyzed:
        day = record.at.astimezone(context.tz).date()
        weekly[day - timedelta(days=day.weekday())][record.sentiment] += 1
    weeks = []
    for start in sorted(weekly):
        c = weekly[start]
        n = sum(c.values()) or 1
        weeks.append(
            SentimentWeek(
                week_start=start,
                positive=c["positive"],
                neutral=c["neutral"],
                negative=c["negative"],
                net=round((c["positive"] - c["negative"]) / n, 3),
            )
        )
    change = round(weeks[-1].net - weeks[0].net, 3) if len(weeks) >= 2 else None
    return SentimentTrend(
        positive=totals["positive"],
        neutral=totals["neutral"],
        negative=totals["negative"],
        weeks=weeks,
        change=change,
    )


def _top_members(records: Sequence[PostRecord], top: int) -> list[MemberActivity]:
    counts: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    for record in records:
        if record.author:
            counts[record.author] += 1
            last[record.author] = record.at
    return [
        MemberActivity(member=m, posts=n, last_post_at=last[m])
        for m, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    ]


def _quiet_members(
    records: Sequence[PostRecord],
    since: datetime,
    until: datetime,
    quiet_days: int,
    min_expected: float,
) -> list[QuietMember]:
    """Members who posted regularly, then not once in the last ``quiet_days``: at their usual
    rate they would have posted ``min_expected`` times (zero would be a < 0.3% chance)."""
    cut = until - timedelta(days=quiet_days)
    before_days = (cut - since).total_seconds() / 86_400
    if before_days < quiet_days:
        return []
    before: Counter[str] = Counter()
    recent: set[str] = set()
    last: dict[str, datetime] = {}
    for record in records:
        if not record.author:
            continue
        last[record.author] = record.at
        if record.at < cut:
            before[record.author] += 1
        else:
            recent.add(record.author)
    quiet = []
    for member, n in before.items():
        expected = n / before_days * quiet_days
        if member not in recent and expected >= min_expected:
            quiet.append(
                QuietMember(
                    member=member,
                    posts_before=n,
                    expected_recent=round(expected, 1),
                    last_post_at=last[member],
                )
            )
    return sorted(quiet, key=lambda q: (-q.expected_recent, q.member))


def _quiet_weekdays(
    volume: Sequence[WeekdayVolume], total_posts: int, drop: float
) -> list[QuietWeekday]:
    """Weekdays far below the median day (needs two of each weekday and 100 posts)."""
    if total_posts < 100 or any(v.days < 2 for v in volume):
        return []
    typical = median(v.per_day for v in volume)
    if typical <= 0:
        return []
    return [
        QuietWeekday(
            weekday=d,
            name=v.weekday,
            per_day=v.per_day,
            median_per_day=round(typical, 2),
            drop=round(1 - v.per_day / typical, 3),
        )
        for d, v in enumerate(volume)
        if 1 - v.per_day / typical >= drop
    ]


def _volume_change(
    records: Sequence[PostRecord], since: datetime, until: datetime, days: int
) -> VolumeChange | None:
    cut = until - timedelta(days=days)
    before_days = (cut - since).total_seconds() / 86_400
    if before_days < days or len(records) < 100:
        return None
    recent = sum(r.at >= cut for r in records)
    usual = (len(records) - recent) / before_days
    recent_rate = recent / days
    return VolumeChange(
        recent_days=days,
        recent_per_day=round(recent_rate, 2),
        usual_per_day=round(usual, 2),
        change=round(recent_rate / usual - 1, 3) if usual else 0.0,
    )


def _unanswered(
    session: Session,
    context: CommunityContext,
    questions: Sequence[PostRecord],
    until: datetime,
    after_hours: float,
) -> Unanswered:
    due = [q for q in questions if q.at <= until - timedelta(hours=after_hours)]
    answered = answered_post_ids(session, group_id=context.group_id, post_ids=[q.id for q in due])
    waiting = [q for q in due if q.id not in answered]
    return Unanswered(
        questions=len(waiting),
        share=round(len(waiting) / len(due), 3) if due else 0.0,
        after_hours=after_hours,
        example_post_ids=[q.id for q in waiting[-5:]],
    )


def is_review(record: PostRecord, sentiment: str) -> bool:
    return record.intent == "feedback" and record.sentiment == sentiment


def _reviews(usable: Sequence[PostRecord], sentiment: str) -> list[Review]:
    return [
        Review(
            post_id=r.id,
            member=r.author,
            at=r.at,
            sentiment=sentiment,
            language=r.language,
            text=normalize(r.text).clean[:500],
        )
        for r in usable
        if is_review(r, sentiment)
    ]


def _seasonal(
    prompts_dir: Path, context: CommunityContext, first: date, last: date
) -> list[SeasonalEvent]:
    lead = context.settings.season_lead_days
    return events_between(
        prompts_dir,
        first,
        last + timedelta(days=lead),
        country=context.country,
        back_to_school=context.group.back_to_school,
    )


def percent(value: float) -> int:
    return math.floor(abs(value) * 100 + 0.5)

"""``mushrif analytics``, ``mushrif suggest …`` and ``mushrif members …``: growing the group
from the command line (same results as the HTTP API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer

from assistant.community import service
from assistant.community.analytics import ActivityReport
from assistant.community.suggestions import SuggestionRun
from assistant.community.synthetic import SyntheticConfig, generate
from assistant.community.welcome import JoinIn, members_joined, set_quoting
from assistant.config import get_settings
from assistant.store.db import Store
from assistant.store.errors import StoreError
from assistant.store.groups import get_group

GroupOpt = Annotated[str, typer.Option("--group", "-g", help="group id")]
SinceOpt = Annotated[
    datetime | None,
    typer.Option(help="start (default: until minus community.period_days); group's time zone"),
]
UntilOpt = Annotated[datetime | None, typer.Option(help="end of the period (default: now)")]
TzOpt = Annotated[str | None, typer.Option("--tz", help="IANA zone (default: the group's)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the whole result as JSON")]


def _store() -> Store:
    store = Store.from_settings(get_settings())
    store.migrate()
    return store


def _fail(exc: StoreError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def _run(work: Callable[[Any], Any], *, readonly: bool = False) -> Any:
    store = _store()
    try:
        with store.transaction(readonly=readonly) as session:
            return work(session)
    except StoreError as exc:
        _fail(exc)
    finally:
        store.dispose()


def analytics(
    group: GroupOpt,
    since: SinceOpt = None,
    until: UntilOpt = None,
    tz: TzOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Activity of a group over a period: volume by hour and weekday, top topics, recurring and
    unanswered questions, sentiment, active and quiet members, seasonal dates."""
    settings = get_settings()
    report: ActivityReport = _run(
        lambda s: (
            service.activity(
                s, group_id=group, settings=settings, since=since, until=until, timezone=tz
            ).report
        ),
        readonly=True,
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(_summary(report))


def _summary(r: ActivityReport) -> str:
    p = r.period
    lines = [
        f"group {r.group_id}: {p.since:%Y-%m-%d %H:%M} – {p.until:%Y-%m-%d %H:%M} UTC "
        f"({p.days} days, time zone {p.timezone})",
        *[f"note: {n}" for n in r.notes],
        f"posts {r.totals.posts} · questions {r.totals.questions} · "
        f"members {r.totals.active_members} · unanswered {r.unanswered.questions}",
    ]
    if r.best_time:
        lines.append(f"busiest hour: {r.best_time.hour:02d}:00 ({r.best_time.posts} posts)")
    if r.totals.posts:
        lines.append(
            "per weekday: "
            + ", ".join(f"{v.weekday[:3]} {v.per_day:g}" for v in r.volume_by_weekday)
        )
    lines += [f"topic: {t.label} ({t.posts} posts)" for t in r.topics[:8]]
    lines += [f"recurring question: {g.name['en']} ×{g.questions}" for g in r.recurring_questions]
    lines += [
        f"burst: {b.questions} questions about {b.name['en']} {b.start}..{b.end} "
        f"(usually {b.usual:g})"
        for b in r.question_bursts
    ]
    lines += [f"quiet weekday: {q.name} (-{round(q.drop * 100)}%)" for q in r.quiet_weekdays]
    lines += [f"went quiet: {q.member} ({q.posts_before} posts before)" for q in r.quiet_members]
    s = r.sentiment
    lines.append(f"sentiment: +{s.positive} / ={s.neutral} / -{s.negative}")
    lines += [f"season: {e.name['en']} {e.start}..{e.end}" for e in r.seasonal_events]
    return "\n".join(lines)


suggest_app = typer.Typer(
    help="Queue growth suggestions drawn from the group's activity (each with its rationale).",
    no_args_is_help=True,
    add_completion=False,
)


def _suggest_command(kind: str) -> None:
    def command(
        group: GroupOpt,
        since: SinceOpt = None,
        until: UntilOpt = None,
        tz: TzOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        settings = get_settings()
        run: SuggestionRun = _run(
            lambda s: service.suggest(
                s,
                group_id=group,
                kind=kind,
                settings=settings,
                since=since,
                until=until,
                timezone=tz,
            )
        )
        if as_json:
            typer.echo(run.model_dump_json(indent=2))
            return
        for created in run.created:
            typer.echo(f"+ item {created.queue_item_id} [{created.category}] {created.rationale}")
        for key in run.already_suggested:
            typer.echo(f"= already queued: {key}")
        for skipped in run.skipped:
            typer.echo(f"- skipped {skipped.source_key}: {skipped.reason}")
        for note in run.notes:
            typer.echo(f"note: {note}")
        typer.echo(f"{len(run.created)} new suggestion(s) queued for approval", err=True)

    command.__doc__ = f"Queue {kind} suggestions for the group (see `mushrif analytics`)."
    suggest_app.command(kind)(command)


for _kind in (*service.KINDS, "all"):
    _suggest_command(_kind)


members_app = typer.Typer(
    help="Member joins (welcome drafts) and quoting consent.",
    no_args_is_help=True,
    add_completion=False,
)


@members_app.command("join")
def join(
    group: GroupOpt,
    member: Annotated[
        list[str], typer.Argument(help="external id, or id=Display Name (one or many)")
    ],
    language: Annotated[str | None, typer.Option(help="ar or en")] = None,
) -> None:
    """Members joined: queue a welcome (joins close together share one)."""
    if language not in (None, "ar", "en"):
        typer.echo("error: --language must be ar or en", err=True)
        raise typer.Exit(2)
    joins = []
    for spec in member:
        external_id, _, name = spec.partition("=")
        if not external_id.strip():
            typer.echo(f"error: '{spec}' has no member id", err=True)
            raise typer.Exit(2)
        joins.append(
            JoinIn(
                external_id=external_id.strip(),
                display_name=name.strip() or None,
                language=language,
            )
        )
    settings = get_settings()

    def work(session: Any) -> Any:
        target = get_group(session, group_id=group)
        return members_joined(session, group=target, joins=joins, settings=settings)

    result = _run(work)
    typer.echo(result.message)
    if result.welcome_item_ids:
        typer.echo("welcome items: " + ", ".join(map(str, result.welcome_item_ids)))
    if result.duplicates:
        typer.echo("already welcomed recently: " + ", ".join(result.duplicates))


@members_app.command("quoting")
def quoting(
    group: GroupOpt,
    member: Annotated[str, typer.Argument(help="external id")],
    allow: Annotated[bool, typer.Option("--allow/--deny", help="may their reviews be quoted?")],
) -> None:
    """Record whether a member allows quoting their reviews in round-up posts."""

    def work(session: Any) -> Any:
        get_group(session, group_id=group)
        return set_quoting(session, group_id=group, external_id=member, allow=allow).allow_quoting

    allowed = _run(work)
    typer.echo(f"{member}: quoting {'allowed' if allowed else 'not allowed'}")


def synthetic(
    group: GroupOpt,
    control: Annotated[bool, typer.Option(help="plant no pattern (a control month)")] = False,
    posts_per_day: Annotated[int, typer.Option(min=10)] = 110,
    days: Annotated[int, typer.Option(min=14, max=120)] = 30,
    seed: int = 7,
) -> None:
    """Write a month of synthetic activity (Arabic dialects + English, planted patterns) into a
    new or existing group, with synthesized analyses (for demos and benchmarks)."""
    overrides = {"group_id": group, "posts_per_day": posts_per_day, "days": days, "seed": seed}
    config = SyntheticConfig.control(**overrides) if control else SyntheticConfig(**overrides)
    truth = _run(lambda s: generate(s, config))
    typer.echo(json.dumps(truth.model_dump(mode="json"), ensure_ascii=False))
    typer.echo(
        f"period: --since {config.since.isoformat()} --until {config.until.isoformat()}", err=True
    )

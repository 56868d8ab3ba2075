"""The group's analytics (charts of its activity) and growth suggestions, from
``assistant.community`` (the same functions as ``/v1/groups/{id}/community``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from assistant.community import service
from assistant.community.suggestions import SuggestionRun, list_suggestions
from assistant.store.errors import InvalidInputError
from assistant.store.models import Role
from assistant.web.charts import Bar, bar_chart, sentiment_chart
from assistant.web.context import CheckedForm, GroupDep, GroupPage, require
from assistant.web.render import render

router = APIRouter(prefix="/web/g/{group_id}", include_in_schema=False)
SUGGESTIONS_SHOWN = 100


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(group: GroupDep) -> HTMLResponse:
    t = group.page.t
    with group.page.services.store.session(readonly=True) as session:
        report = service.activity(
            session, group_id=group.group_id, settings=group.page.services.settings
        ).report
    hours = bar_chart(
        [Bar(f"{h:02d}", n) for h, n in enumerate(report.volume_by_hour)],
        title=t("analytics.by_hour"),
    )
    topics = bar_chart(
        [Bar(str(i + 1), topic.posts, topic.label) for i, topic in enumerate(report.topics[:12])],
        title=t("analytics.topics"),
    )
    weeks = [
        (w.week_start.strftime("%m-%d"), w.positive, w.neutral, w.negative)
        for w in report.sentiment.weeks
    ]
    return render(
        group.page,
        "analytics.html",
        group=group,
        nav="analytics",
        report=report,
        hours_chart=hours,
        topics_chart=topics,
        sentiment_chart=sentiment_chart(weeks, title=t("analytics.sentiment")),
    )


def _suggestions_page(
    group: GroupPage, run: SuggestionRun | None = None, error: str = ""
) -> HTMLResponse:
    with group.page.services.store.session(readonly=True) as session:
        rows = list_suggestions(session, group_id=group.group_id, limit=SUGGESTIONS_SHOWN, offset=0)
    return render(
        group.page,
        "suggestions.html",
        group=group,
        nav="suggestions",
        suggestions=rows,
        kinds=service.KINDS,
        run=run,
        error=error,
    )


@router.get("/suggestions", response_class=HTMLResponse)
def suggestions_page(group: GroupDep) -> HTMLResponse:
    return _suggestions_page(group)


@router.post("/suggestions", response_class=HTMLResponse)
def run_suggestions(group: GroupDep, form: CheckedForm) -> HTMLResponse:
    """Analyze the period and queue suggestions of one kind (or all) for approval."""
    require(group, Role.MODERATOR)
    kind = str(form.get("kind") or "all")
    try:
        with group.page.services.store.transaction() as session:
            run = service.suggest(
                session, group_id=group.group_id, kind=kind, settings=group.page.services.settings
            )
    except InvalidInputError as exc:
        return _suggestions_page(group, error=str(exc))
    return _suggestions_page(group, run=run)

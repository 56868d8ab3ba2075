"""The approval queue page and its in-page actions (approve, edit, reject, claim, bulk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import FormData

from assistant.api.deps import RowId
from assistant.store import queue as repo
from assistant.store.models import Role
from assistant.web import decisions
from assistant.web.context import CheckedForm, GroupDep, GroupPage, require, wants_json
from assistant.web.queue_view import KINDS, STATUSES, clean_query, counts_by_kind, filter_options
from assistant.web.queue_view import item_views as build_views
from assistant.web.render import json_message, redirect, render

router = APIRouter(prefix="/web/g/{group_id}", include_in_schema=False)
MAX_BULK = 200
Filter = Annotated[str, Query(max_length=60)]


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    group: GroupDep,
    kind: Filter = "",
    status: Filter = "pending",
    language: Filter = "",
    category: Filter = "",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    query = clean_query(
        kind=kind, status=status, language=language, category=category, offset=offset
    )
    size = group.page.services.settings.web.page_size
    with group.page.services.store.session(readonly=True) as session:
        items, total = repo.list_items(
            session, group_id=group.group_id, filters=query.filters(), limit=size, offset=offset
        )
        views = build_views(session, items)
        counts = counts_by_kind(session, group_id=group.group_id, status=query.status)
        languages, categories = filter_options(session, group_id=group.group_id)
    return render(
        group.page,
        "queue.html",
        group=group,
        nav="queue",
        query=query,
        views=views,
        total=total,
        page_size=size,
        counts=counts,
        kinds=KINDS,
        statuses=STATUSES,
        filter_languages=languages,
        filter_categories=categories,
        max_edit_chars=group.page.services.settings.web.max_edit_chars,
    )


def _answer(
    group: GroupPage, outcome: decisions.Outcome, form: FormData
) -> JSONResponse | RedirectResponse:
    if wants_json(group.page.request):
        return json_message(outcome.status, outcome.message, item=outcome.item)
    back = str(form.get("back") or "")
    prefix = f"/web/g/{group.group_id}/queue"
    target = back if back.startswith(prefix) and "//" not in back else prefix
    return redirect(group.page, target, flash=outcome.message)


def _version(form: FormData) -> int:
    version = decisions.parse_version(form.get("version"))
    return version if version is not None else 0


@router.post("/queue/{item_id}/approve", response_model=None)
def approve(group: GroupDep, item_id: RowId, form: CheckedForm) -> JSONResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    text = form.get("final_text")
    outcome = decisions.approve(
        group.page.services,
        group,
        item_id,
        version=_version(form),
        text=text if isinstance(text, str) else None,
        t=group.page.t,
    )
    return _answer(group, outcome, form)


@router.post("/queue/{item_id}/reject", response_model=None)
def reject(group: GroupDep, item_id: RowId, form: CheckedForm) -> JSONResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    outcome = decisions.reject(
        group.page.services,
        group,
        item_id,
        version=_version(form),
        reason=str(form.get("reason") or ""),
        t=group.page.t,
    )
    return _answer(group, outcome, form)


@router.post("/queue/{item_id}/claim", response_model=None)
def claim(group: GroupDep, item_id: RowId, form: CheckedForm) -> JSONResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    outcome = decisions.claim(group.page.services, group, item_id, t=group.page.t)
    return _answer(group, outcome, form)


@router.post("/queue/{item_id}/release", response_model=None)
def release(group: GroupDep, item_id: RowId, form: CheckedForm) -> JSONResponse | RedirectResponse:
    require(group, Role.MODERATOR)
    outcome = decisions.release(group.page.services, group, item_id, t=group.page.t)
    return _answer(group, outcome, form)


def _bulk_refs(form: FormData) -> list[tuple[int, int]]:
    refs = []
    for raw in form.getlist("item")[:MAX_BULK]:
        item_id, _, version = str(raw).partition(":")
        parsed_id, parsed_version = (
            decisions.parse_version(item_id),
            decisions.parse_version(version),
        )
        if parsed_id is not None and parsed_version is not None:
            refs.append((parsed_id, parsed_version))
    return refs


@router.post("/queue/bulk", response_model=None)
def bulk(group: GroupDep, form: CheckedForm) -> JSONResponse | RedirectResponse:
    """Each selected item succeeds or fails alone; the answer counts both."""
    require(group, Role.MODERATOR)
    t = group.page.t
    action = str(form.get("action") or "")
    refs = _bulk_refs(form)
    reason = str(form.get("reason") or "")
    if action not in ("approve", "reject") or not refs:
        outcome = decisions.Outcome(422, t("error.bulk_nothing"))
        return _answer(group, outcome, form)
    if action == "reject" and not reason.strip():
        return _answer(group, decisions.Outcome(422, t("error.reason_required")), form)
    services = group.page.services
    results = [
        decisions.approve(services, group, i, version=v, text=None, t=t)
        if action == "approve"
        else decisions.reject(services, group, i, version=v, reason=reason, t=t)
        for i, v in refs
    ]
    done = sum(r.ok for r in results)
    failures = [r.message for r in results if not r.ok]
    message = t("done.bulk", done=done, failed=len(failures))
    status = 200 if done else 409
    if wants_json(group.page.request):
        items = [r.item for r in results if r.item]
        return json_message(status, message, items=items, errors=failures)
    return _answer(group, decisions.Outcome(status, message), form)

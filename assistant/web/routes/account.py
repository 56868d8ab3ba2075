"""Log in with an API token, log out, switch the interface language, the list of groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import func, select

from assistant.store import groups as group_repo
from assistant.store.errors import UnauthorizedError
from assistant.store.models import ItemStatus, QueueItem
from assistant.web.auth import login as check_login
from assistant.web.context import CheckedForm, LoggedIn, PageDep, safe_next
from assistant.web.i18n import LANGUAGES
from assistant.web.render import redirect, render
from assistant.web.security import WebSession

router = APIRouter(prefix="/web", include_in_schema=False)
MAX_TOKEN_CHARS = 200


@router.get("/login", response_class=HTMLResponse)
def login_form(
    page: PageDep,
    reason: Annotated[str, Query(max_length=20)] = "",
    next: Annotated[str, Query(max_length=2000)] = "/web/",
) -> HTMLResponse:
    page.cookie_dirty = True  # an anonymous session carries the login form's CSRF token
    notice = {"expired": "login.expired", "revoked": "login.revoked", "logout": "login.logged_out"}
    return render(page, "login.html", notice=notice.get(reason, ""), next=safe_next(next), error="")


@router.post("/login", response_model=None)
def login(page: PageDep, form: CheckedForm) -> HTMLResponse | RedirectResponse:
    token = str(form.get("token") or "")[:MAX_TOKEN_CHARS]
    next_url = safe_next(str(form.get("next") or ""))
    try:
        with page.services.store.session(readonly=True) as session:
            principal, check = check_login(session, token=token)
    except UnauthorizedError as exc:
        page.cookie_dirty = True
        return render(page, "login.html", notice="", next=next_url, error=str(exc))
    # a fresh session (and CSRF token) at every login
    page.session = WebSession(token_id=principal.token_id, token_check=check, lang=page.lang)
    page.cookie_dirty = True
    return redirect(page, next_url)


@router.post("/logout")
def logout(page: PageDep, form: CheckedForm) -> RedirectResponse:
    page.session = WebSession(lang=page.session.lang)
    page.cookie_dirty = True
    return redirect(page, "/web/login?reason=logout")


@router.post("/lang")
def switch_language(page: PageDep, form: CheckedForm) -> RedirectResponse:
    lang = str(form.get("lang") or "")
    if lang in LANGUAGES:
        page.session.lang = lang
        page.cookie_dirty = True
    return redirect(page, safe_next(str(form.get("next") or "")))


@router.get("/", response_class=HTMLResponse)
def home(page: LoggedIn) -> HTMLResponse:
    assert page.principal is not None
    roles = page.principal.roles
    with page.services.store.session(readonly=True) as session:
        rows = group_repo.list_groups(session, group_ids=list(roles))
        pending: dict[str, int] = {
            group_id: count
            for group_id, count in session.execute(
                select(QueueItem.group_id, func.count())
                .where(
                    QueueItem.group_id.in_(list(roles)),
                    QueueItem.status == ItemStatus.PENDING.value,
                )
                .group_by(QueueItem.group_id)
            )
        }
    cards = [
        {"id": g.id, "name": g.name, "role": roles[g.id].value, "pending": pending.get(g.id, 0)}
        for g in rows
    ]
    return render(page, "home.html", cards=cards)


@router.get("/csrf")
def csrf_token(page: LoggedIn) -> JSONResponse:
    """The session's CSRF token, for a page that outlived its session (after logging in again
    in another tab, its script picks up the new token and retries once)."""
    return JSONResponse({"csrf": page.session.csrf}, headers={"Cache-Control": "no-store"})

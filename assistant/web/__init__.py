"""The admins' web pages: server-rendered HTML over the same repositories as the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from assistant.config import Settings
from assistant.web.context import (
    LoginRequired,
    PageError,
    WebState,
    login_url,
    read_page,
    wants_json,
)
from assistant.web.render import json_message, render, with_headers
from assistant.web.routes import account, community, knowledge, queue, reports, rules
from assistant.web.security import SessionCodec, session_secret

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    page = read_page(request, request.app.state.services)
    if wants_json(request) or request.method != "GET":
        return json_message(401, page.t(f"login.{exc.reason}_action"), reason=exc.reason)
    target = login_url(exc.reason, request.url.path)
    return with_headers(RedirectResponse(target, status_code=303))


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    page = read_page(request, request.app.state.services)
    message = page.t(exc.message_key, **exc.values)
    if wants_json(request):
        return json_message(exc.status, message, reason=exc.message_key)
    return render(page, "error.html", status=exc.status, message=message)


def install_web(app: FastAPI, settings: Settings) -> None:
    """Mount the pages under ``/web`` (and send ``/`` there)."""
    if not settings.web.enabled:
        return
    app.state.web = WebState(
        codec=SessionCodec(session_secret(settings), ttl_s=settings.web.session_ttl_s),
        secure_cookie=settings.web.cookie_secure,
    )
    for module in (account, queue, knowledge, rules, community, reports):
        app.include_router(module.router)
    app.mount("/web/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageError, _page_error)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/", status_code=307)

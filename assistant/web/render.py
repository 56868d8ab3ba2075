"""Jinja2 rendering (autoescaped: member text is always data) and the pages' response headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import Response

from assistant.web.context import Page, web_state
from assistant.web.i18n import LANGUAGES
from assistant.web.security import COOKIE_NAME

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_MAX_MARKS = 50


def highlight(text: str | None, evidence: list[str] | None) -> Markup:
    """``text`` escaped, with each evidence span (case-insensitive) wrapped in ``<mark>``."""
    text = text or ""
    spans = sorted({e.strip() for e in evidence or [] if e and e.strip()}, key=len, reverse=True)
    if not spans:
        return escape(text)
    pattern = re.compile("|".join(re.escape(s) for s in spans), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for count, match in enumerate(pattern.finditer(text)):
        if count >= _MAX_MARKS:
            break
        parts.append(str(escape(text[last : match.start()])))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def short_time(value: datetime | None) -> str:
    if value is None:
        return ""
    # isolated left-to-right, so the date reads the same inside an Arabic sentence
    return "\u2066" + value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") + "\u2069"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def text_direction(language: str | None) -> str:
    """The direction of an editable text: right-to-left for Arabic, left-to-right for English,
    the browser's guess (first strong character) for anything else."""
    return {"ar": "rtl", "en": "ltr"}.get(language or "", "auto")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["short_time"] = short_time
    env.filters["percent"] = percent
    env.filters["text_dir"] = text_direction
    return env


def render_html(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def base_context(page: Page) -> dict[str, Any]:
    principal = page.principal
    return {
        "t": page.t,
        "lang": page.lang,
        "dir": page.direction,
        "languages": LANGUAGES,
        "csrf": page.session.csrf,
        "admin": principal.admin_name if principal else None,
        "groups": sorted(principal.roles) if principal else [],
        "flash": page.session.flash,
        "path": page.request.url.path
        + (f"?{page.request.url.query}" if page.request.url.query else ""),
        "group": None,
        "nav": "",
    }


def set_session_cookie(page: Page, response: Response) -> None:
    state = web_state(page.request)
    response.set_cookie(
        COOKIE_NAME,
        state.codec.dumps(page.session),
        httponly=True,
        samesite="lax",
        secure=state.secure_cookie,
        path="/",
    )


def with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(page: Page, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page. A form shown again with its errors answers 200 (the errors are in the page,
    role=alert): browsers log every 4xx document as a console error."""
    values = {**base_context(page), **context}
    had_flash = page.session.flash is not None
    page.session.flash = None
    response = HTMLResponse(render_html(template, **values), status_code=status)
    if had_flash or page.cookie_dirty:
        set_session_cookie(page, response)
    with_headers(response)
    return response


def redirect(page: Page, url: str, *, flash: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        page.session.flash = flash
        page.cookie_dirty = True
    if page.cookie_dirty:
        set_session_cookie(page, response)
    with_headers(response)
    return response


def json_message(status: int, message: str, **extra: Any) -> JSONResponse:
    response = JSONResponse({"ok": 200 <= status < 300, "message": message, **extra}, status)
    with_headers(response)
    return response

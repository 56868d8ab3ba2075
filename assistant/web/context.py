"""Request context of the web pages: the cookie session, language, the logged-in admin and
their role in the group of the URL, as ``Annotated`` dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Path, Request
from starlette.datastructures import FormData

from assistant.api.deps import Services, ServicesDep
from assistant.api.schemas import GROUP_ID_PATTERN
from assistant.store.auth import Principal
from assistant.store.errors import UnauthorizedError
from assistant.store.models import Role
from assistant.store.queue import Actor
from assistant.web.auth import principal_for
from assistant.web.i18n import DIRECTION, Translate, pick_language, translator
from assistant.web.security import COOKIE_NAME, SessionCodec, WebSession


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, in-page actions answer 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "login", "expired" or "revoked"


class PageError(Exception):
    """A page or action that cannot be served; ``message_key`` is an i18n key."""

    def __init__(self, status: int, message_key: str, **values: object) -> None:
        super().__init__(message_key)
        self.status = status
        self.message_key = message_key
        self.values = values


@dataclass
class WebState:
    codec: SessionCodec
    secure_cookie: bool
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    request: Request
    services: Services
    session: WebSession
    lang: str
    t: Translate
    principal: Principal | None = None
    cookie_dirty: bool = field(default=False)

    @property
    def direction(self) -> str:
        return DIRECTION[self.lang]


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def read_page(request: Request, services: ServicesDep) -> Page:
    state = web_state(request)
    session = state.codec.loads(request.cookies.get(COOKIE_NAME))
    lang = pick_language(session.lang, request.headers.get("accept-language"))
    return Page(request, services, session, lang, translator(lang))


PageDep = Annotated[Page, Depends(read_page)]


def logged_in(page: PageDep) -> Page:
    if page.session.expired:
        raise LoginRequired("expired")
    if page.session.token_id is None or page.session.token_check is None:
        raise LoginRequired("login")
    with page.services.store.session(readonly=True) as session:
        try:
            page.principal = principal_for(
                session, token_id=page.session.token_id, check=page.session.token_check
            )
        except UnauthorizedError:
            raise LoginRequired("revoked") from None
    return page


LoggedIn = Annotated[Page, Depends(logged_in)]


@dataclass(frozen=True)
class GroupPage:
    page: Page
    group_id: str
    role: Role

    @property
    def principal(self) -> Principal:
        assert self.page.principal is not None
        return self.page.principal

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.admin_id, self.principal.admin_name)

    @property
    def can_moderate(self) -> bool:
        return self.role.rank >= Role.MODERATOR.rank

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


WebGroupId = Annotated[str, Path(pattern=GROUP_ID_PATTERN)]


def group_page(group_id: WebGroupId, page: LoggedIn) -> GroupPage:
    assert page.principal is not None
    role = page.principal.role_in(group_id)
    if role is None:  # someone else's group and a missing one look the same
        raise PageError(404, "error.group_not_found", group=group_id)
    return GroupPage(page, group_id, role)


GroupDep = Annotated[GroupPage, Depends(group_page)]


def require(group: GroupPage, needed: Role) -> None:
    if group.role.rank < needed.rank:
        raise PageError(403, "error.role", role=group.role.value, needed=needed.value)


async def checked_form(request: Request, page: PageDep) -> AsyncIterator[FormData]:
    """The posted form, after its CSRF token (field ``csrf`` or header ``X-CSRF-Token``)
    matched the session's; uploaded files are closed after the response."""
    form = await request.form()
    try:
        candidate = request.headers.get("x-csrf-token") or form.get("csrf")
        if not page.session.csrf_ok(candidate if isinstance(candidate, str) else None):
            if page.session.expired:
                raise LoginRequired("expired")
            raise PageError(403, "error.csrf")
        yield form
    finally:
        await form.close()


CheckedForm = Annotated[FormData, Depends(checked_form)]


def login_url(reason: str, next_url: str) -> str:
    return f"/web/login?reason={reason}&next={quote(safe_next(next_url), safe='/')}"


def safe_next(url: str | None) -> str:
    """Only our own pages are redirect targets (no ``//host`` or scheme)."""
    if not url or not url.startswith("/web/") or url.startswith("//") or "\\" in url:
        return "/web/"
    return url

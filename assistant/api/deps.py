"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from assistant.api.schemas import GROUP_ID_PATTERN
from assistant.config import Settings
from assistant.jobs.worker import Worker
from assistant.observability.metrics import Metrics
from assistant.publishing.deliverer import Deliverer
from assistant.store.auth import Principal, authenticate
from assistant.store.db import Store
from assistant.store.errors import ForbiddenError, NotFoundError, UnauthorizedError
from assistant.store.models import Role
from assistant.store.queue import Actor


@dataclass
class Services:
    settings: Settings
    store: Store
    metrics: Metrics
    worker: Worker
    deliverer: Deliverer


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A read-write session; routes commit explicitly, anything else is rolled back."""
    with services.store.session() as session:
        yield session


def get_read_session(services: ServicesDep) -> Iterator[Session]:
    with services.store.session(readonly=True) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]

_bearer = HTTPBearer(auto_error=False, description="an API token: `mushrif admin create-token`")


def current_admin(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise UnauthorizedError(
            "missing API token: send the header 'Authorization: Bearer <token>'"
        )
    with services.store.session(readonly=True) as session:
        return authenticate(session, token=credentials.credentials)


CurrentAdmin = Annotated[Principal, Depends(current_admin)]


@dataclass(frozen=True)
class GroupAccess:
    group_id: str
    role: Role
    principal: Principal

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.admin_id, self.principal.admin_name)


GroupId = Annotated[str, Path(pattern=GROUP_ID_PATTERN, examples=["demo-abaya-shop"])]
MAX_ID = 2**62
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="a numeric id")]


def require_role(needed: Role) -> Callable[..., GroupAccess]:
    def dependency(group_id: GroupId, principal: CurrentAdmin) -> GroupAccess:
        role = principal.role_in(group_id)
        if role is None:  # unknown group and someone else's group look the same
            raise NotFoundError(f"group '{group_id}' not found (or your token has no role in it)")
        if role.rank < needed.rank:
            raise ForbiddenError(
                f"your role in group '{group_id}' is {role.value}; this needs {needed.value}"
            )
        return GroupAccess(group_id, role, principal)

    return dependency


GroupViewer = Annotated[GroupAccess, Depends(require_role(Role.VIEWER))]
GroupModerator = Annotated[GroupAccess, Depends(require_role(Role.MODERATOR))]
GroupOwner = Annotated[GroupAccess, Depends(require_role(Role.OWNER))]

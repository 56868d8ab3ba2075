"""Who is logged in: the session's API token is checked again on every request, so a revoked
or expired token, or a removed role, takes effect at once."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.auth import Principal, authenticate
from assistant.store.errors import UnauthorizedError
from assistant.store.models import Admin, ApiToken, Membership, Role, utcnow
from assistant.web.security import token_check


def login(session: Session, *, token: str) -> tuple[Principal, str]:
    """The admin behind ``token`` (the API's own check) and the fingerprint the cookie keeps."""
    principal = authenticate(session, token=token.strip())
    row = session.get(ApiToken, principal.token_id)
    assert row is not None
    return principal, token_check(row.token_hash)


def principal_for(session: Session, *, token_id: int, check: str) -> Principal:
    """Raises ``UnauthorizedError`` when the token behind the session no longer works."""
    row = session.get(ApiToken, token_id)
    if row is None or not hmac.compare_digest(token_check(row.token_hash), check):
        raise UnauthorizedError("invalid API token")
    if row.revoked_at is not None:
        raise UnauthorizedError("this API token was revoked")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise UnauthorizedError("this API token has expired")
    admin = session.get(Admin, row.admin_id)
    if admin is None:
        raise UnauthorizedError("invalid API token")
    memberships = session.scalars(select(Membership).where(Membership.admin_id == admin.id))
    roles = {m.group_id: Role(m.role) for m in memberships}
    return Principal(admin.id, admin.name, row.id, roles)

"""Who is logged in: the session's API token is checked again on every request, so a revoked
or expired token, or a removed role, takes effect at once."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from assistant.store.auth import Principal, authenticate, principal_of
from assistant.store.errors import UnauthorizedError
from assistant.store.models import ApiToken
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
    return principal_of(session, row)

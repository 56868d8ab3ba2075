"""Admins, their roles per group and their API tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.errors import UnauthorizedError
from assistant.store.models import Admin, ApiToken, Group, Membership, Role, utcnow

TOKEN_PREFIX = "mushrif_"


@dataclass(frozen=True)
class IssuedToken:
    """A token as issued: the only moment the secret is known in clear."""

    id: int
    admin_id: int
    admin_name: str
    token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin, the token used and the admin's role in each group."""

    admin_id: int
    admin_name: str
    token_id: int
    roles: dict[str, Role]

    def role_in(self, group_id: str) -> Role | None:
        return self.roles.get(group_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_or_create_admin(session: Session, *, name: str) -> Admin:
    admin = session.scalar(select(Admin).where(Admin.name == name))
    if admin is None:
        admin = Admin(name=name)
        session.add(admin)
        session.flush()
    return admin


def grant_role(session: Session, *, admin_id: int, group_id: str, role: Role) -> Membership:
    membership = session.scalar(
        select(Membership).where(Membership.admin_id == admin_id, Membership.group_id == group_id)
    )
    if membership is None:
        membership = Membership(admin_id=admin_id, group_id=group_id, role=role.value)
        session.add(membership)
    else:
        membership.role = role.value
    session.flush()
    return membership


def issue_token(
    session: Session, *, admin: Admin, name: str = "", ttl_days: int | None = None
) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=ttl_days) if ttl_days else None
    row = ApiToken(
        admin_id=admin.id,
        token_hash=hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
        name=name,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row.id, admin.id, admin.name, token, expires_at)


def revoke_token(session: Session, *, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def list_tokens(session: Session, *, admin_name: str | None = None) -> list[tuple[ApiToken, str]]:
    query = select(ApiToken, Admin.name).join(Admin, Admin.id == ApiToken.admin_id)
    if admin_name:
        query = query.where(Admin.name == admin_name)
    return [(token, name) for token, name in session.execute(query.order_by(ApiToken.id))]


def authenticate(session: Session, *, token: str) -> Principal:
    """The caller behind ``token``; raises ``UnauthorizedError`` with the precise reason."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    return principal_of(session, row)


def principal_of(session: Session, row: ApiToken | None) -> Principal:
    """The admin behind a stored token row, if the token still works."""
    if row is None:
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


def group_admins(session: Session, *, group_id: str) -> list[tuple[str, Role]]:
    rows = session.execute(
        select(Admin.name, Membership.role)
        .join(Membership, Membership.admin_id == Admin.id)
        .where(Membership.group_id == group_id)
        .order_by(Admin.name)
    )
    return [(name, Role(role)) for name, role in rows]


def group_exists(session: Session, *, group_id: str) -> bool:
    return session.get(Group, group_id) is not None

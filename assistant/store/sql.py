"""Dialect helpers shared by repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from assistant.store.models import Base


def insert_ignoring_conflicts(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, keys: Sequence[str]
) -> None:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` for many rows: the retry-safe insert."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(model).on_conflict_do_nothing(index_elements=list(keys))
    else:
        statement = sqlite.insert(model).on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement, list(rows))


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"

"""Group-scoped lookups: a row that belongs to another group reads exactly like a missing one."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.errors import NotFoundError

Row = TypeVar("Row")


def get_in_group(
    session: Session, model: type[Row], *, group_id: str, row_id: int, what: str
) -> Row:
    """The ``model`` row with this id in this group, or ``NotFoundError`` naming ``what``."""
    table: Any = model
    row = session.scalar(select(model).where(table.group_id == group_id, table.id == row_id))
    if row is None:
        raise NotFoundError(f"{what} {row_id} not found in group '{group_id}'")
    return row

"""alert items: negative-review alerts get their own kind, `alert`, instead of `review_post`

Until 0003 an alert was a `review_post` item with category `review_alert`, special-cased so it
was never delivered; `alert` is now an internal kind (approving acknowledges it, nothing is
published). Queue items, their community suggestions and the kind written into their feedback
examples are moved; categories, source keys and versions stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEW_ALERT = "review_alert"

_items = sa.table(
    "queue_items",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("category", sa.String),
)
_suggestions = sa.table(
    "community_suggestions", sa.column("kind", sa.String), sa.column("category", sa.String)
)
_feedback = sa.table(
    "feedback_examples",
    sa.column("id", sa.Integer),
    sa.column("queue_item_id", sa.Integer),
    sa.column("record", sa.JSON),
)


def _rekind(old: str, new: str) -> None:
    """Items of kind ``old`` and category ``review_alert`` become kind ``new``."""
    bind = op.get_bind()
    for table in (_items, _suggestions):
        bind.execute(
            table.update()
            .where(table.c.kind == old, table.c.category == REVIEW_ALERT)
            .values(kind=new)
        )
    rows = bind.execute(
        sa.select(_feedback.c.id, _feedback.c.record)
        .join(_items, _items.c.id == _feedback.c.queue_item_id)
        .where(_items.c.kind == new, _items.c.category == REVIEW_ALERT)
    ).all()
    for row_id, record in rows:
        if not isinstance(record, dict):
            continue
        changed = {**record, "kind": new} if record.get("kind") == old else dict(record)
        predicted = changed.get("predicted")
        if isinstance(predicted, dict) and predicted.get("kind") == old:
            changed["predicted"] = {**predicted, "kind": new}
        if changed != record:
            bind.execute(_feedback.update().where(_feedback.c.id == row_id).values(record=changed))


def upgrade() -> None:
    _rekind("review_post", "alert")


def downgrade() -> None:
    # Before 0004 only the `review_alert` category kept an item from being published: every
    # alert goes back as one, whatever its category was.
    for table in (_items, _suggestions):
        op.get_bind().execute(
            table.update().where(table.c.kind == "alert").values(category=REVIEW_ALERT)
        )
    _rekind("alert", "review_post")

"""knowledge entry keys and products; KB draft citations, confidence and reason on items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 05:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.add_column(sa.Column("entry_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("product", sa.JSON(), nullable=True))
    with op.batch_alter_table("queue_items") as batch:
        batch.add_column(sa.Column("draft_citations", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("draft_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("draft_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_items") as batch:
        batch.drop_column("draft_reason")
        batch.drop_column("draft_confidence")
        batch.drop_column("draft_citations")
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.drop_column("product")
        batch.drop_column("entry_key")

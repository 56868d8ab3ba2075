"""knowledge examples: member questions a knowledge entry answers (imported or learned)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.store.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = assistant.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "knowledge_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("entry_key", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_knowledge_examples_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["queue_items.id"],
            name=op.f("fk_knowledge_examples_item_id_queue_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_examples")),
        sa.UniqueConstraint(
            "group_id",
            "entry_key",
            "text_key",
            name=op.f("uq_knowledge_examples_group_id_entry_key_text_key"),
        ),
    )
    op.create_index(
        op.f("ix_knowledge_examples_group_id"), "knowledge_examples", ["group_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_knowledge_examples_group_id"), table_name="knowledge_examples")
    op.drop_table("knowledge_examples")

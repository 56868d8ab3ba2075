"""community: member quoting consent, member-join events, growth suggestions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.store.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = assistant.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("allow_quoting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "member_joins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("joined_at", _UTC, nullable=False),
        sa.Column("welcome_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_member_joins_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["welcome_item_id"],
            ["queue_items.id"],
            name=op.f("fk_member_joins_welcome_item_id_queue_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_joins")),
    )
    op.create_index(
        "ix_member_joins_group_member", "member_joins", ["group_id", "external_id"], unique=False
    )
    op.create_table(
        "community_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("best_time", _UTC, nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_community_suggestions_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_item_id"],
            ["queue_items.id"],
            name=op.f("fk_community_suggestions_queue_item_id_queue_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_suggestions")),
        sa.UniqueConstraint(
            "group_id", "source_key", name=op.f("uq_community_suggestions_group_id_source_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("community_suggestions")
    op.drop_index("ix_member_joins_group_member", table_name="member_joins")
    op.drop_table("member_joins")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("allow_quoting")

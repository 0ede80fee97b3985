"""Flow definitions kept for conversations under way.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_definitions")),
        sa.UniqueConstraint("digest", name=op.f("uq_flow_definitions_digest")),
    )
    op.create_index(
        op.f("ix_flow_definitions_flow_id"), "flow_definitions", ["flow_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_flow_definitions_flow_id"), table_name="flow_definitions")
    op.drop_table("flow_definitions")

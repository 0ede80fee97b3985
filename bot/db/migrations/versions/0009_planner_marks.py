"""Planner marks: how far the reminder planner has planned, so a tick looks only at what came
due since the last one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planner_marks",
        sa.Column("planner", sa.String(length=32), nullable=False),
        sa.Column("planned_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("planner", name=op.f("pk_planner_marks")),
    )


def downgrade() -> None:
    op.drop_table("planner_marks")

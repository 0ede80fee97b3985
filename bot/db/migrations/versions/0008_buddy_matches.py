"""The buddy programme's running matches: the names both sides go by (as Telegram showed them
when they signed up or asked) and when a close was offered after the programme length.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("buddy_profiles") as table:
        table.add_column(sa.Column("name", sa.String(64), nullable=True))
    with op.batch_alter_table("buddy_requests") as table:
        table.add_column(sa.Column("name", sa.String(64), nullable=True))
    with op.batch_alter_table("buddy_matches") as table:
        table.add_column(sa.Column("close_offered_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("buddy_checkins_sent", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("buddy_matches") as table:
        table.drop_column("buddy_checkins_sent")
        table.drop_column("close_offered_at")
    with op.batch_alter_table("buddy_requests") as table:
        table.drop_column("name")
    with op.batch_alter_table("buddy_profiles") as table:
        table.drop_column("name")

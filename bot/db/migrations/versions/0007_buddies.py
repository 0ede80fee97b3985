"""The buddy programme: volunteers' profiles, families' requests, matches, check-ins and
closing surveys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "buddy_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("age_bands", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("alone_with_children", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("record_seen_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user("user_id", "buddy_profiles", "CASCADE"),
        _user("approved_by", "buddy_profiles", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_profiles")),
    )
    op.create_index(op.f("ix_buddy_profiles_user_id"), "buddy_profiles", ["user_id"], unique=True)
    op.create_table(
        "buddy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("age_bands", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("gender_preference", sa.String(length=16), nullable=True),
        sa.Column("gender_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user("user_id", "buddy_requests", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_requests")),
    )
    op.create_index(op.f("ix_buddy_requests_user_id"), "buddy_requests", ["user_id"])
    op.create_index(op.f("ix_buddy_requests_status"), "buddy_requests", ["status"])
    op.create_table(
        "buddy_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("buddy_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("buddy_shares_contact", sa.Boolean(), nullable=False),
        sa.Column("family_shares_contact", sa.Boolean(), nullable=False),
        sa.Column("next_buddy_checkin", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_family_checkin", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unanswered_checkins", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["buddy_requests.id"],
            name=op.f("fk_buddy_matches_request_id_buddy_requests"),
            ondelete="CASCADE",
        ),
        _user("buddy_id", "buddy_matches", "CASCADE"),
        _user("family_id", "buddy_matches", "CASCADE"),
        _user("decided_by", "buddy_matches", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_matches")),
    )
    for column in ("request_id", "buddy_id", "family_id", "status"):
        op.create_index(op.f(f"ix_buddy_matches_{column}"), "buddy_matches", [column])
    op.create_table(
        "buddy_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["buddy_matches.id"],
            name=op.f("fk_buddy_checkins_match_id_buddy_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_checkins")),
    )
    op.create_index(op.f("ix_buddy_checkins_match_id"), "buddy_checkins", ["match_id"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user("user_id", "survey_answers", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["buddy_matches.id"],
            name=op.f("fk_survey_answers_match_id_buddy_matches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    op.create_index(op.f("ix_survey_answers_user_id"), "survey_answers", ["user_id"])


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("buddy_checkins")
    op.drop_table("buddy_matches")
    op.drop_table("buddy_requests")
    op.drop_table("buddy_profiles")

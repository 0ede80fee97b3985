"""SQLAlchemy models: the tables Silta keeps. Later issues add theirs next to these."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC: every stored time is UTC and shown in the reader's zone."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with the shared naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """One person who talks to the bot in a private chat.

    Before consent only `telegram_id` and `language` carry meaning; role and the rest are
    stored once the user has agreed.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    language: Mapped[str] = mapped_column(String(8))
    language_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Set when the user turned announcements off (/stop); reminders and answers still come.
    muted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class FlowSession(Base):
    """A user's conversation in a flow: which flow and version, and the interpreter's state.

    One active session per user; a finished or replaced one is kept for the funnel figures.
    """

    __tablename__ = "flow_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, finished, replaced
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class FlowDefinition(Base):
    """A flow as it was when conversations started on it, kept so that they can finish on it
    after editors change the file. Immutable: one row per digest."""

    __tablename__ = "flow_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffRequest(Base):
    """Someone asked for a person: coordinators see it with the flow's context."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    flow_id: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[str | None] = mapped_column(String(64), default=None)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, taken, answered, closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class FollowUp(Base):
    """A message to send later ("remind me in 3 days"), ready for the outbox to deliver."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    flow_id: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Club(Base):
    """A family club or homework group that meets on a schedule (see domain/clubs/schedule.py).

    Name and description are kept per language ({"fi": ..., "en": ...}) as the coordinator
    wrote them; a reader gets their own language, else the club's `source_language`.
    """

    __tablename__ = "clubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source_language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))  # family_club, homework_group, ...
    address: Mapped[str] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(64), default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    age_min: Mapped[int] = mapped_column(Integer, default=0)
    age_max: Mapped[int] = mapped_column(Integer, default=18)
    capacity: Mapped[int] = mapped_column(Integer)
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    timezone: Mapped[str] = mapped_column(String(64))
    first_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(200))
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1440, 120])
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ClubChange(Base):
    """One meeting cancelled, moved or added; a later change to the same meeting replaces it."""

    __tablename__ = "club_changes"
    __table_args__ = (UniqueConstraint("club_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # cancel, move, add
    key: Mapped[str] = mapped_column(String(16))  # the meeting's local start in the rule
    starts_local: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Membership(Base):
    """A user in a club: a member, on the waiting list, or gone (kept for the figures)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("club_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # member, waiting, left
    # The first name Telegram gave when joining: only so the leader sees who is coming.
    display_name: Mapped[str] = mapped_column(String(64), default="")
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rsvp(Base):
    """A member's answer for one meeting: coming or not."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("club_id", "user_id", "meeting_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_key: Mapped[str] = mapped_column(String(16))
    coming: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(Base):
    """A message waiting to leave through the sender (bot/delivery/). The key is unique per
    (purpose, target, occurrence, recipient), so planning the same message twice stores it once.
    The payload is rendered when sent, in the recipient's language of that moment."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # pending, sending, sent, blocked, failed, skipped, interrupted
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Rows sent together (e.g. "broadcast:12"), counted together for progress and reports.
    batch: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Broadcast(Base):
    """An announcement a coordinator sends to a segment: the audience (see
    bot/domain/audiences.py), the text per language, and how far its delivery has come.

    A draft is kept here while the wizard runs, so a restart loses no writing. Sending puts one
    outbox row per recipient in the batch `broadcast:<id>`; the progress message in the
    coordinator's chat is edited in place until every row is final."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source_language: Mapped[str | None] = mapped_column(String(8), default=None)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # draft, discarded (the wizard was cancelled), sending, cancelled (rows not yet sent are
    # dropped), done
    status: Mapped[str] = mapped_column(String(16), default="draft")
    total: Mapped[int] = mapped_column(Integer, default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    progress_text: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class BuddyProfile(Base):
    """A volunteer buddy's sign-up (from the buddy-signup flow), training and approval.

    status: training (signed up, training under way), ready (training done, waiting for a
    coordinator), approved (matchable), paused, declined. Only the date a coordinator saw a
    criminal-record extract is kept, never a copy."""

    __tablename__ = "buddy_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    # The first name Telegram showed when they signed up: how families will know them.
    name: Mapped[str | None] = mapped_column(String(64), default=None)
    languages: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # code -> level
    area: Mapped[str | None] = mapped_column(String(64), default=None)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # family, pupil
    age_bands: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)  # matching slots
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    gender: Mapped[str | None] = mapped_column(String(16), default=None)
    alone_with_children: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="training")
    trained_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    approved_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    record_seen_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BuddyRequest(Base):
    """A family asking for a buddy (from the buddy-request flow).

    status: waiting, proposed (a coordinator is looking at a proposal), matched, closed,
    withdrawn. Children are described by age band only."""

    __tablename__ = "buddy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The first name Telegram showed when they asked: how their buddy will know them.
    name: Mapped[str | None] = mapped_column(String(64), default=None)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    area: Mapped[str | None] = mapped_column(String(64), default=None)
    age_bands: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    gender_preference: Mapped[str | None] = mapped_column(String(16), default=None)
    gender_required: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BuddyMatch(Base):
    """A buddy and a family: proposed by the matching (with its score and reasons as data),
    approved or rejected by a coordinator, then active until either side or a coordinator
    closes it. Nobody is told before approval; contact details are shared only when both
    agree (until then messages are relayed by the bot)."""

    __tablename__ = "buddy_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_requests.id", ondelete="CASCADE"), index=True
    )
    buddy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # proposed, active, rejected, closed
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    buddy_shares_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    family_shares_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    next_buddy_checkin: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    next_family_checkin: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    # Check-ins asked of the buddy so far (the rhythm slows down after the first weeks), and
    # how many of the latest in a row went unanswered (two raise an alert).
    buddy_checkins_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unanswered_checkins: Mapped[int] = mapped_column(Integer, default=0)
    # When both sides were offered a close after the programme length.
    close_offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_by: Mapped[str | None] = mapped_column(String(16), default=None)


class CheckIn(Base):
    """One check-in question to a buddy ("Did you meet this week?") or a family ("How is it
    going?") and its answer."""

    __tablename__ = "buddy_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_matches.id", ondelete="CASCADE"), index=True
    )
    who: Mapped[str] = mapped_column(String(8))  # buddy, family
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(String(16), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SurveyAnswer(Base):
    """A closing survey's answers (IMMERSE dimensions), for the programme's figures."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("buddy_matches.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One coordinator action (a club created, a meeting cancelled, a request answered ...):
    who did what to what, and when. Kept when the actor is erased (the id is then empty)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    actor: Mapped[str] = mapped_column(String(64))  # "coordinator 123456" or "cli"
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Invite(Base):
    """A one-time link a coordinator made for a new coordinator or buddy (t.me/<bot>?start=
    inv-<code>): it works once, until it expires."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PlannerMark(Base):
    """How far a periodic planner has planned (bot/scheduler/jobs.py): the next tick starts
    from here instead of from the beginning of its look-back. Written in the same transaction
    as what the tick planned, so a crash loses neither."""

    __tablename__ = "planner_marks"

    planner: Mapped[str] = mapped_column(String(32), primary_key=True)
    planned_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))

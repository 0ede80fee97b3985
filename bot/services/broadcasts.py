"""Announcements to segments: a coordinator's draft, who it reaches, sending it through the
outbox (one row per reader, in one batch), cancelling it, and how far delivery has come.

Readers are the active people who agreed to the consent note and did not mute announcements
(`/stop`); the text each gets is chosen when their row is sent (bot/delivery/messages/), in
their language of that moment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Broadcast,
    BuddyMatch,
    BuddyRequest,
    Club,
    Membership,
    OutboxMessage,
    User,
)
from bot.delivery import outbox
from bot.delivery.outbox import Planned, enqueue
from bot.domain.audiences import PROGRAMME_MATCHED, PROGRAMME_WAITING, Audience
from bot.domain.clubs.reminders import QuietHours
from bot.domain.roles import Role

PURPOSE = "broadcast"
WAITING_REQUESTS = ("waiting", "proposed")  # a family still without a buddy
ACTIVE_MATCH = "active"
MAX_TEXT = 3500  # leaves room for the heading and the footer under Telegram's 4096


def batch_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def _people(audience: Audience, coordinator_ids: frozenset[int]) -> Select[int, str, str]:
    """Active, consenting people in the audience (muted ones included: callers decide)."""
    role = case(
        (User.telegram_id.in_(sorted(coordinator_ids)), Role.COORDINATOR.value), else_=User.role
    )
    query = select(User.id, User.language, User.timezone).where(
        User.is_active.is_(True), User.consent_at.is_not(None)
    )
    if audience.roles:
        query = query.where(role.in_(sorted(audience.roles)))
    if audience.languages:
        query = query.where(User.language.in_(sorted(audience.languages)))
    if audience.clubs:
        query = query.where(
            User.id.in_(
                select(Membership.user_id).where(
                    Membership.club_id.in_(sorted(audience.clubs)), Membership.status == "member"
                )
            )
        )
    if audience.areas:
        query = query.where(
            User.id.in_(
                select(Membership.user_id)
                .join(Club, Club.id == Membership.club_id)
                .where(
                    Club.area.in_(sorted(audience.areas)),
                    Club.active.is_(True),
                    Membership.status == "member",
                )
            )
        )
    if audience.programme:
        query = query.where(or_(*_programme_conditions(audience.programme)))
    return query


def _programme_conditions(chosen: frozenset[str]) -> list[ColumnElement[bool]]:
    """One condition per buddy programme segment chosen (they widen each other). A value this
    version does not know reaches nobody rather than everyone."""
    conditions: list[ColumnElement[bool]] = []
    if PROGRAMME_WAITING in chosen:
        conditions.append(
            User.id.in_(
                select(BuddyRequest.user_id).where(BuddyRequest.status.in_(WAITING_REQUESTS))
            )
        )
    if PROGRAMME_MATCHED in chosen:
        conditions.append(
            User.id.in_(select(BuddyMatch.buddy_id).where(BuddyMatch.status == ACTIVE_MATCH))
        )
        conditions.append(
            User.id.in_(select(BuddyMatch.family_id).where(BuddyMatch.status == ACTIVE_MATCH))
        )
    return conditions or [false()]


@dataclass(frozen=True)
class Reach:
    """Who an audience reaches now: readers by language, the muted left out, and how many
    readers are in their quiet hours (a non-urgent announcement waits for their morning)."""

    by_language: dict[str, int] = field(default_factory=dict)
    muted: int = 0
    quiet_now: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


async def reach(
    session: AsyncSession,
    audience: Audience,
    coordinator_ids: frozenset[int],
    now: datetime,
    quiet: QuietHours,
) -> Reach:
    query = _people(audience, coordinator_ids).add_columns(User.muted_at)
    languages: Counter[str] = Counter()
    muted = quiet_now = 0
    for _id, language, timezone, muted_at in (await session.execute(query)).all():
        if muted_at is not None:
            muted += 1
            continue
        languages[language] += 1
        if quiet.next_allowed(now, timezone) != now:
            quiet_now += 1
    return Reach(dict(sorted(languages.items())), muted, quiet_now)


async def areas(session: AsyncSession) -> list[str]:
    """The areas of active clubs (an area segment reaches the members of its clubs)."""
    rows = await session.execute(
        select(Club.area).where(Club.active.is_(True), Club.area.is_not(None)).distinct()
    )
    return sorted(str(area) for area in rows.scalars() if area)


async def clubs(session: AsyncSession) -> list[Club]:
    rows = await session.execute(select(Club).where(Club.active.is_(True)).order_by(Club.id))
    return list(rows.scalars())


async def draft_of(session: AsyncSession, author: User) -> Broadcast:
    """The author's draft in the making, or a new one (one draft per coordinator)."""
    found = await session.execute(
        select(Broadcast)
        .where(Broadcast.author_id == author.id, Broadcast.status == "draft")
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    draft = found.scalar_one_or_none()
    if draft is None:
        draft = Broadcast(author_id=author.id, audience={}, texts={}, status="draft")
        session.add(draft)
        await session.flush()
    return draft


def set_text(draft: Broadcast, language: str, text: str) -> None:
    """Keep one language's version (JSON columns need a new value to see the change)."""
    texts = dict(draft.texts or {})
    texts[language] = text.strip()[:MAX_TEXT]
    draft.texts = texts


def discard(draft: Broadcast) -> None:
    draft.status = "discarded"


async def start(
    session: AsyncSession, broadcast: Broadcast, coordinator_ids: frozenset[int], now: datetime
) -> int | None:
    """Send the draft: one outbox row per reader. None when it was sent already (a second
    press, or another coordinator's): nothing is planned twice."""
    taken = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == "draft")
        .values(status="sending", started_at=now)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    audience = Audience.from_json(broadcast.audience)
    readers = await session.execute(
        _people(audience, coordinator_ids).where(User.muted_at.is_(None)).order_by(User.id)
    )
    planned = [
        Planned(
            key=f"{batch_of(broadcast.id)}:{user_id}",
            purpose=PURPOSE,
            user_id=user_id,
            payload={"kind": PURPOSE, "broadcast": broadcast.id},
            not_before=now,
            urgent=broadcast.urgent,
            batch=batch_of(broadcast.id),
        )
        for user_id, _language, _timezone in readers.all()
    ]
    total = await enqueue(session, planned)
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id)
        .values(total=total)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(broadcast)
    return total


async def cancel(session: AsyncSession, broadcast: Broadcast, now: datetime) -> int | None:
    """Stop an announcement being sent: rows not taken yet are skipped, and a row a sender
    holds already is dropped when its turn comes. None when it was not being sent."""
    if broadcast.status != "sending":
        return None
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    return await outbox.drop_pending(
        session, batch_of(broadcast.id), "the coordinator stopped the announcement"
    )


@dataclass(frozen=True)
class Progress:
    """How far one announcement's delivery has come."""

    total: int
    counts: dict[str, int]
    failures: dict[str, int]
    waiting_for_morning: int

    def count(self, *statuses: str) -> int:
        return sum(self.counts.get(status, 0) for status in statuses)

    @property
    def delivered(self) -> int:
        return self.count("sent")

    @property
    def open(self) -> int:
        return self.count("pending", "claimed", "sending")

    @property
    def settled(self) -> int:
        return self.total - self.open


async def progress(session: AsyncSession, broadcast: Broadcast, now: datetime) -> Progress:
    batch = batch_of(broadcast.id)
    counts = await outbox.counts(session, batch=batch)
    later = await session.execute(
        select(OutboxMessage.id).where(
            OutboxMessage.batch == batch,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before > now,
            OutboxMessage.attempts == 0,
        )
    )
    return Progress(
        total=sum(counts.values()),
        counts=counts,
        failures=await outbox.reasons(session, batch),
        waiting_for_morning=len(later.all()),
    )


async def finish_if_done(
    session: AsyncSession, broadcast: Broadcast, state: Progress, now: datetime
) -> bool:
    """Mark a sending announcement done once every row is final; True when it just ended."""
    if broadcast.status != "sending" or state.open:
        return False
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == "sending")
        .values(status="done", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unreported(session: AsyncSession) -> list[Broadcast]:
    """Announcements whose author has not had the final report yet (their progress message
    is still being edited)."""
    rows = await session.execute(
        select(Broadcast)
        .where(Broadcast.status.in_(("sending", "cancelled", "done")))
        .where(Broadcast.reported_at.is_(None))
        .order_by(Broadcast.id)
    )
    return list(rows.scalars())

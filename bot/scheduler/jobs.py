"""The periodic jobs: each looks at the database and plans what is due into the outbox.

They keep no state of their own, so a restart, a crash or a second process changes nothing:
planning the same message again finds its key taken. After a downtime, a reminder whose
meeting is still ahead goes out late; one that would no longer help is recorded as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Club, FollowUp, Membership, User, as_utc
from bot.delivery.outbox import Planned, enqueue, record_skipped
from bot.domain.buddies.rhythm import DEFAULT_RHYTHM, Rhythm
from bot.domain.clubs.reminders import QuietHours, plan
from bot.services.clubs import changes_of, schedule_of

LOOKAHEAD = timedelta(minutes=5)  # plan this far ahead; the sender waits for `not_before`
LOOKBACK = timedelta(days=1)  # meetings this recent still get their missed reminders recorded


@dataclass(frozen=True)
class Tick:
    """What a planner knows: the time now, and the quiet hours in force."""

    now: datetime
    quiet: QuietHours
    coordinator_ids: frozenset[int] = frozenset()
    rhythm: Rhythm = DEFAULT_RHYTHM


async def queue_follow_ups(session: AsyncSession, tick: Tick) -> int:
    """Follow-ups from the guides that are due soon go to the outbox (once each)."""
    due = (
        (
            await session.execute(
                select(FollowUp).where(
                    FollowUp.status == "pending", FollowUp.due_at <= tick.now + LOOKAHEAD
                )
            )
        )
        .scalars()
        .all()
    )
    planned = [
        Planned(
            key=f"followup:{item.id}",
            purpose="followup",
            user_id=item.user_id,
            payload={"kind": "followup", "text": item.text, "flow": item.flow_id},
            not_before=as_utc(item.due_at),
        )
        for item in due
    ]
    await enqueue(session, planned)
    for item in due:
        item.status = "queued"
    return len(planned)


async def plan_reminders(session: AsyncSession, tick: Tick) -> int:
    """Reminders of club meetings that are due soon, for every member who wants them."""
    now = tick.now
    clubs = (await session.execute(select(Club).where(Club.active.is_(True)))).scalars().all()
    planned: list[Planned] = []
    missed: list[Planned] = []
    for club in clubs:
        before = timedelta(minutes=max(club.reminder_minutes or [0]))
        schedule = schedule_of(club, await changes_of(session, club.id))
        meetings = schedule.meetings(now - LOOKBACK, now + before + LOOKAHEAD)
        if not meetings:
            continue
        members = (
            await session.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(
                    Membership.club_id == club.id,
                    Membership.status == "member",
                    Membership.reminders.is_(True),
                    User.is_active.is_(True),
                )
            )
        ).all()
        for membership, user in members:
            joined = as_utc(membership.since)
            for meeting in meetings:
                for reminder in plan(
                    meeting.starts_at, club.reminder_minutes, user.timezone, tick.quiet
                ):
                    if reminder.send_at > now + LOOKAHEAD or reminder.send_at < joined:
                        continue
                    item = Planned(
                        key=(
                            f"reminder:{club.id}:{meeting.key}:"
                            f"{meeting.starts_at:%Y%m%dT%H%M}:{user.id}:{reminder.minutes_before}"
                        ),
                        purpose="reminder",
                        user_id=user.id,
                        payload={
                            "kind": "reminder",
                            "club_id": club.id,
                            "key": meeting.key,
                            "starts_at": meeting.starts_at.isoformat(),
                        },
                        not_before=reminder.send_at,
                        expires_at=reminder.useful_until,
                    )
                    (missed if now > reminder.useful_until else planned).append(item)
    await enqueue(session, planned)
    for item in missed:
        await record_skipped(session, item, "the meeting was too close or over when planned")
    return len(planned)


async def remind_inbox(session: AsyncSession, tick: Tick) -> int:
    """Coordinators hear once a day of requests for a person waiting longer than a day."""
    from bot.services.inbox import remind_coordinators

    return await remind_coordinators(session, tick.now, tick.coordinator_ids)


async def plan_buddy_checkins(session: AsyncSession, tick: Tick) -> int:
    """Running buddy matches: check-ins due, unanswered ones alerted, closes offered."""
    from bot.services.buddy_matches import plan_due

    return await plan_due(session, tick.now, tick.rhythm)

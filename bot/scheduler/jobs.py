"""The periodic jobs: each looks at the database and plans what is due into the outbox.

What they know is in the database, so a restart, a crash or a second process changes nothing:
planning the same message again finds its key taken. The club-reminder planner lives in
reminders.py: it also keeps how far it has planned, in the database, with what it planned.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FollowUp, as_utc
from bot.delivery.outbox import Planned, enqueue
from bot.scheduler.reminders import plan_reminders
from bot.scheduler.tick import LOOKAHEAD, Tick

__all__ = [
    "LOOKAHEAD",
    "Tick",
    "plan_buddy_checkins",
    "plan_reminders",
    "queue_follow_ups",
    "remind_inbox",
]


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


async def remind_inbox(session: AsyncSession, tick: Tick) -> int:
    """Coordinators hear once a day of requests for a person waiting longer than a day."""
    from bot.services.inbox import remind_coordinators

    return await remind_coordinators(session, tick.now, tick.coordinator_ids)


async def plan_buddy_checkins(session: AsyncSession, tick: Tick) -> int:
    """Running buddy matches: check-ins due, unanswered ones alerted, closes offered."""
    from bot.services.buddy_matches import plan_due

    return await plan_due(session, tick.now, tick.rhythm)

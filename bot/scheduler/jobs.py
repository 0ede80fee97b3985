"""The periodic jobs: each looks at the database and plans what is due into the outbox.

They keep no state of their own, so a restart, a crash or a second process changes nothing:
planning the same message again finds its key taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FollowUp
from bot.delivery.outbox import Planned, enqueue

LOOKAHEAD = timedelta(minutes=5)  # plan this far ahead; the sender waits for `not_before`


async def queue_follow_ups(session: AsyncSession, now: datetime) -> int:
    """Follow-ups from the guides that are due soon go to the outbox (once each)."""
    due = (
        (
            await session.execute(
                select(FollowUp).where(
                    FollowUp.status == "pending", FollowUp.due_at <= now + LOOKAHEAD
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
            not_before=item.due_at,
        )
        for item in due
    ]
    await enqueue(session, planned)
    for item in due:
        item.status = "queued"
    return len(planned)

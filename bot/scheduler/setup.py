"""APScheduler drives the ticks; the database holds the truth.

Three jobs: `plan` (every 30 s: follow-ups and reminders that are due soon go to the outbox),
`send` (every second: the sender drains what is due) and `progress` (every 2 s: announcements'
progress messages are edited in place). Neither keeps per-user jobs in a job
store, so nothing is lost or doubled by a restart; a tick still running when the next one is
due is simply skipped (max_instances=1).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.sender import Sender
from bot.domain.buddies.rhythm import DEFAULT_RHYTHM, Rhythm
from bot.domain.clubs.reminders import QuietHours
from bot.scheduler.jobs import (
    Tick,
    plan_buddy_checkins,
    plan_reminders,
    queue_follow_ups,
    remind_inbox,
)

log = structlog.get_logger("silta.scheduler")

Planner = Callable[[AsyncSession, Tick], Awaitable[int]]
PLANNERS: list[Planner] = [queue_follow_ups, plan_reminders, remind_inbox, plan_buddy_checkins]


async def plan_once(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    quiet: QuietHours,
    coordinator_ids: frozenset[int] = frozenset(),
    rhythm: Rhythm = DEFAULT_RHYTHM,
) -> int:
    """Run every planner once, each in its own transaction (one failing spares the others)."""
    planned = 0
    for planner in PLANNERS:
        try:
            async with session_factory() as session:
                planned += await planner(session, Tick(clock(), quiet, coordinator_ids, rhythm))
                await session.commit()
        except Exception:
            log.exception("planner_failed", planner=planner.__name__)
    return planned


def build_scheduler(
    session_factory: async_sessionmaker[AsyncSession],
    sender: Sender,
    clock: Callable[[], datetime],
    quiet: QuietHours,
    coordinator_ids: frozenset[int] = frozenset(),
    rhythm: Rhythm = DEFAULT_RHYTHM,
    plan_seconds: float = 30.0,
    send_seconds: float = 1.0,
    progress: Callable[[], Awaitable[Any]] | None = None,
    progress_seconds: float = 2.0,
    checkpoint: Callable[[], Awaitable[Any]] | None = None,
    checkpoint_seconds: float = 10.0,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def plan() -> None:
        await plan_once(session_factory, clock, quiet, coordinator_ids, rhythm)

    async def send() -> None:
        try:
            await sender.drain(budget=60.0)
        except Exception:
            log.exception("sender_failed")

    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        plan, "interval", seconds=plan_seconds, id="plan", next_run_time=clock(), **common
    )
    scheduler.add_job(
        send, "interval", seconds=send_seconds, id="send", next_run_time=clock(), **common
    )
    if progress is not None:
        show = progress

        async def report() -> None:
            try:
                await show()
            except Exception:
                log.exception("progress_failed")

        scheduler.add_job(report, "interval", seconds=progress_seconds, id="progress", **common)
    if checkpoint is not None:
        move = checkpoint

        async def wal() -> None:
            try:
                await move()
            except Exception:
                log.exception("checkpoint_failed")

        scheduler.add_job(wal, "interval", seconds=checkpoint_seconds, id="checkpoint", **common)
    return scheduler

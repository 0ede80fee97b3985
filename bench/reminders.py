"""Reminders: the club-reminder planner's tick over a country-sized load, on SQLite and on
PostgreSQL: 100,000 memberships (50,000 parents in two clubs each, in six time zones) and
5,000 clubs meeting daily at spread-out local times in four time zones, so that the window one
tick scans (the last day and the next) holds 10,000 meetings. A tenth of that with `--quick`.

The real `plan_reminders` runs tick after tick as the scheduler runs it (its own session and
commit, every 30 s of the clock): the first tick, which catches up a whole day on an empty
outbox, is reported apart from the 20 steady ticks after it (median and maximum). The clock
starts at 07:50 in Helsinki, so the tenth steady tick plans the reminders held back by the
quiet hours until 08:00 (the busiest tick of the day). Memory: the peak RSS of the process that ticks (the database is built in
another process) and tracemalloc's peak during one catch-up tick and one steady tick.

Baseline: one bare SELECT of every member who wants reminders with their time zone, the least
any planner that reads all members once per tick pays.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import Row, fmt, main, median, workspace
from bot.db import models
from bot.db.migrate import upgrade
from bot.db.models import Club, ClubChange, Membership, OutboxMessage, User
from bot.db.session import create_engine, create_session_factory
from bot.domain.clubs.reminders import QuietHours
from bot.domain.clubs.schedule import KEY_FORMAT
from bot.scheduler.jobs import Tick, plan_reminders

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"
START = datetime(2026, 11, 18, 5, 50, tzinfo=UTC)  # a Wednesday, 07:50 in Helsinki
EVERY = timedelta(seconds=30)  # the scheduler's `plan` interval
STEADY_TICKS = 20
BASELINE_RUNS = 5
TARGET_SECONDS = 1.0
TARGET_MB = 300.0
CLUB_ZONES = (
    ("Europe/Helsinki",) * 6 + ("Europe/Stockholm",) * 2 + ("Europe/Tallinn", "Europe/Oslo")
)
USER_ZONES = ("Europe/Helsinki",) * 14 + (
    "Asia/Kabul",
    "Africa/Mogadishu",
    "Asia/Baghdad",
    "Europe/Kyiv",
    "Asia/Tehran",
    "Europe/Stockholm",
)
LANGUAGES = ("fi", "ar", "so", "uk", "fa", "ru", "en", "sv", "et", "ckb")
CHUNK = 5000

T = TypeVar("T")


@dataclass(frozen=True)
class Size:
    clubs: int
    members_per_club: int = 20

    @property
    def memberships(self) -> int:
        return self.clubs * self.members_per_club

    @property
    def users(self) -> int:
        return self.memberships // 2  # every parent is in two clubs


@dataclass
class Figures:
    """What one database's run measured (sent back from the ticking process)."""

    first_seconds: float
    first_planned: int
    first_skipped: int
    steady_seconds: list[float]
    steady_planned: int
    baseline_seconds: float
    meetings_in_window: int
    peak_rss_mb: float
    traced_first_mb: float
    traced_steady_mb: float


def _club_rows(size: Size) -> list[dict[str, Any]]:
    rows = []
    for n in range(size.clubs):
        minute = 9 * 60 + (n * 37) % 133 * 5  # 09:00 to 20:00, spread out
        rows.append(
            {
                "id": n + 1,
                "name": {"fi": f"Kerho {n}"},
                "description": {},
                "source_language": "fi",
                "kind": "family_club",
                "address": f"Katu {n}",
                "languages": ["fi", "ar"],
                "age_min": 0,
                "age_max": 12,
                "capacity": 30,
                "timezone": CLUB_ZONES[n % len(CLUB_ZONES)],
                "first_date": START.date() - timedelta(days=1 + (n * 7) % 365),  # up to a year
                "start_time": clock_time(minute // 60, minute % 60),
                "minutes": 90,
                "rule": "FREQ=DAILY",
                "reminder_minutes": [1440, 120],
                "active": True,
            }
        )
    return rows


def _change_rows(clubs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tomorrow's meeting cancelled in a tenth of the clubs, moved an hour later in another."""
    rows = []
    for club in clubs:
        if club["id"] % 10 not in (3, 7):
            continue
        tomorrow = START.astimezone(ZoneInfo(club["timezone"])).date() + timedelta(days=1)
        local = datetime.combine(tomorrow, club["start_time"])
        moved = club["id"] % 10 == 7
        rows.append(
            {
                "club_id": club["id"],
                "kind": "move" if moved else "cancel",
                "key": local.strftime(KEY_FORMAT),
                "starts_local": local + timedelta(hours=1) if moved else None,
                "created_at": START - timedelta(days=3),
            }
        )
    return rows


def _user_rows(size: Size) -> list[dict[str, Any]]:
    return [
        {
            "id": n + 1,
            "telegram_id": 10_000_000 + n,
            "language": LANGUAGES[n % len(LANGUAGES)],
            "language_confirmed": True,
            "role": "parent",
            "consent_at": START - timedelta(days=60),
            "timezone": USER_ZONES[n % len(USER_ZONES)],
            "is_active": n % 97 != 0,  # a few blocked the bot
        }
        for n in range(size.users)
    ]


def _membership_rows(size: Size) -> list[dict[str, Any]]:
    rows = []
    for n in range(size.users):
        for club in (n % size.clubs, (n + size.clubs // 2) % size.clubs):
            rows.append(
                {
                    "club_id": club + 1,
                    "user_id": n + 1,
                    "status": "member",
                    "display_name": "",
                    "reminders": n % 20 != 0,  # a few turned them off
                    # most joined a month ago, a few this morning
                    "since": START - (timedelta(hours=2) if n % 50 == 1 else timedelta(days=30)),
                }
            )
    return rows


async def _build(url: str, size: Size) -> None:
    """Migrate an empty database and fill it with bulk inserts."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        clubs = _club_rows(size)
        tables: list[tuple[type[models.Base], list[dict[str, Any]]]] = [
            (User, _user_rows(size)),
            (Club, clubs),
            (ClubChange, _change_rows(clubs)),
            (Membership, _membership_rows(size)),
        ]
        async with create_session_factory(engine)() as session:
            for model, rows in tables:
                for start in range(0, len(rows), CHUNK):
                    await session.execute(insert(model), rows[start : start + CHUNK])
            await session.commit()
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _tick(engine: AsyncEngine, now: datetime) -> tuple[float, int]:
    """One tick as `plan_once` runs it: a session, the planner, the commit."""
    started = time.perf_counter()
    async with create_session_factory(engine)() as session:
        planned = await plan_reminders(session, Tick(now, QuietHours()))
        await session.commit()
    return time.perf_counter() - started, planned


async def _count(engine: AsyncEngine, status: str) -> int:
    async with engine.connect() as connection:
        found = await connection.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.purpose == "reminder", OutboxMessage.status == status)
        )
        return int(found.scalar_one())


async def _bare_select(engine: AsyncEngine) -> tuple[float, int]:
    started = time.perf_counter()
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Membership.club_id, Membership.since, User.id, User.timezone)
                .join(User, User.id == Membership.user_id)
                .where(
                    Membership.status == "member",
                    Membership.reminders.is_(True),
                    User.is_active.is_(True),
                )
            )
        ).all()
    return time.perf_counter() - started, len(rows)


async def _forget_planning(engine: AsyncEngine) -> None:
    """Back to the state before the first tick: no reminders planned, no mark."""
    async with engine.begin() as connection:
        await connection.execute(delete(OutboxMessage))
        if "planner_marks" in models.Base.metadata.tables:
            await connection.execute(delete(models.Base.metadata.tables["planner_marks"]))


async def _traced(step: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    tracemalloc.start()
    try:
        result = await step()
        return result, tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def _meetings_in_window(size: Size) -> int:
    """Meetings in [now - 1 day, now + 1 day + 5 min): two a club (daily), less cancellations."""
    return 2 * size.clubs - sum(1 for n in range(1, size.clubs + 1) if n % 10 == 3)


async def _measure(url: str, size: Size) -> Figures:
    engine = create_engine(url)
    try:
        baseline = median([(await _bare_select(engine))[0] for _ in range(BASELINE_RUNS)])
        first_seconds, first_planned = await _tick(engine, START)
        first_skipped = await _count(engine, "skipped")
        steady: list[float] = []
        steady_planned = 0
        for n in range(1, STEADY_TICKS + 1):
            seconds, planned = await _tick(engine, START + n * EVERY)
            steady.append(seconds)
            steady_planned += planned
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await _forget_planning(engine)
        _, traced_first = await _traced(lambda: _tick(engine, START))
        _, traced_steady = await _traced(lambda: _tick(engine, START + EVERY))
        return Figures(
            first_seconds=first_seconds,
            first_planned=first_planned,
            first_skipped=first_skipped,
            steady_seconds=steady,
            steady_planned=steady_planned,
            baseline_seconds=baseline,
            meetings_in_window=_meetings_in_window(size),
            peak_rss_mb=rss,
            traced_first_mb=traced_first,
            traced_steady_mb=traced_steady,
        )
    finally:
        await engine.dispose()


def _build_in_child(url: str, size: Size) -> None:
    asyncio.run(_build(url, size))


def _measure_in_child(url: str, size: Size) -> Figures:
    return asyncio.run(_measure(url, size))


def _in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """Run in a new process, so that its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _rows(database: str, size: Size, figures: Figures) -> list[Row]:
    steady = median(figures.steady_seconds)
    worst = max(figures.steady_seconds)
    label = f"{database}, {size.memberships:,} memberships, {figures.meetings_in_window:,} meetings"
    baseline = f"{fmt(figures.baseline_seconds, 3)} (bare SELECT of the members)"
    return [
        Row(
            "Reminders",
            f"{label}: steady tick, median of {STEADY_TICKS} (s)",
            fmt(steady, 3),
            baseline,
            fmt(steady / figures.baseline_seconds),
            f"< {TARGET_SECONDS:g} s",
            steady < TARGET_SECONDS,
        ),
        Row(
            "Reminders",
            f"{database}: steady tick, slowest of {STEADY_TICKS} (s)",
            fmt(worst, 3),
            baseline,
            fmt(worst / figures.baseline_seconds),
            f"< {TARGET_SECONDS:g} s",
            worst < TARGET_SECONDS,
        ),
        Row(
            "Reminders",
            f"{database}: first tick, catching up a day on an empty outbox (s)",
            fmt(figures.first_seconds, 3),
            baseline,
            fmt(figures.first_seconds / figures.baseline_seconds),
        ),
        Row(
            "Reminders",
            f"{database}: reminders planned by the first tick / recorded skipped / "
            f"planned by the {STEADY_TICKS} steady ticks",
            f"{figures.first_planned:,} / {figures.first_skipped:,} / {figures.steady_planned:,}",
        ),
        Row(
            "Memory",
            f"Reminders, {database}: peak RSS of the ticking process (MB)",
            fmt(figures.peak_rss_mb, 0),
            target=f"< {TARGET_MB:g} MB",
            met=figures.peak_rss_mb < TARGET_MB,
        ),
        Row(
            "Memory",
            f"Reminders, {database}: tracemalloc peak, catch-up tick / steady tick (MB)",
            f"{fmt(figures.traced_first_mb, 1)} / {fmt(figures.traced_steady_mb, 1)}",
        ),
    ]


async def _postgres_admin(statement: str) -> str | None:
    """Run a statement on the server's `postgres` database; the error's name when unreachable."""
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    except Exception as error:  # any failure means: no PostgreSQL for this run
        return type(error).__name__
    finally:
        await admin.dispose()
    return None


def _run_sqlite(size: Size) -> list[Row]:
    with workspace() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'reminders.db'}"
        _in_fresh_process(_build_in_child, url, size)
        return _rows("SQLite", size, _in_fresh_process(_measure_in_child, url, size))


def _run_postgres(size: Size) -> list[Row]:
    name = f"silta_bench_{uuid.uuid4().hex[:12]}"
    problem = asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    if problem is not None:
        return [Row("Reminders", "PostgreSQL: not run", f"{POSTGRES} unreachable ({problem})")]
    try:
        url = f"{POSTGRES}/{name}"
        _in_fresh_process(_build_in_child, url, size)
        return _rows("PostgreSQL", size, _in_fresh_process(_measure_in_child, url, size))
    finally:
        asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(args: argparse.Namespace) -> list[Row]:
    size = Size(clubs=500 if args.quick else 5000)
    return _run_sqlite(size) + _run_postgres(size)


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0] if __doc__ else "reminders")

"""How far a planner has planned (table `planner_marks`), read and written inside its tick's
transaction: what the tick planned and the new mark are committed together or not at all.

Reading takes the row with FOR UPDATE, so on PostgreSQL a second process's tick waits for the
first one's commit and then starts from its mark (SQLite has one writer at a time anyway).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PlannerMark, as_utc


async def read_mark(session: AsyncSession, planner: str) -> datetime | None:
    """Up to when `planner` planned last time (None: never), holding the row to the commit."""
    found = await session.execute(
        select(PlannerMark.planned_until).where(PlannerMark.planner == planner).with_for_update()
    )
    value = found.scalar_one_or_none()
    return as_utc(value) if value is not None else None


async def write_mark(session: AsyncSession, planner: str, until: datetime) -> None:
    """`planner` has planned up to `until` (set as it is, also backwards: a mark too early
    only makes the next tick look again at what was planned)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(PlannerMark)
        .values(planner=planner, planned_until=until)
        .on_conflict_do_update(index_elements=["planner"], set_={"planned_until": until})
    )

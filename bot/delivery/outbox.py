"""The outbox: every scheduled or bulk message waits here until the sender delivers it.

A message is planned with a key unique per (purpose, target, occurrence, recipient), so planning
it again (every scheduler tick, or two processes at once) stores it once. The sender claims due
rows in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several processes share the
work without sending anything twice; SQLite runs one writer at a time, so the same statement is
atomic there too), then records what happened to each.

A row goes pending -> claimed (taken by a sender) -> sending (its API call has begun) -> a final
status. A sender that dies leaves rows behind; when their lease runs out, `recover` puts claimed
ones back (they were never tried). The one window no design closes is a `sending` row: Telegram
may have accepted it before the process died. Such a row is sent again for purposes in
AT_LEAST_ONCE (better twice than a missed cancellation) and recorded as `interrupted` for
everything else (a reminder or an announcement is never sent twice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage

# Purposes sent again after a crash in the window above; the rest are sent at most once.
AT_LEAST_ONCE = frozenset({"meeting_change"})
LEASE = timedelta(minutes=5)  # a claimed row not settled by then belongs to a dead process
FINAL = ("sent", "blocked", "failed", "skipped", "interrupted")


@dataclass(frozen=True)
class Planned:
    """A message to plan: who gets it, when, what (rendered at sending), and until when."""

    key: str
    purpose: str
    user_id: int
    payload: dict[str, Any]
    not_before: datetime
    expires_at: datetime | None = None
    urgent: bool = False
    batch: str | None = None


async def enqueue(session: AsyncSession, messages: Sequence[Planned]) -> int:
    """Store messages not stored before (by key); returns how many were new."""
    return await _store(session, messages, "pending")


async def record_skipped(session: AsyncSession, messages: Sequence[Planned], reason: str) -> int:
    """Keep a record of messages that will not be sent (e.g. their meeting passed during a
    downtime), once per key: a key stored before keeps its row. Returns how many were new."""
    return await _store(session, messages, "skipped", reason)


async def _store(
    session: AsyncSession, messages: Sequence[Planned], status: str, reason: str | None = None
) -> int:
    """Insert the rows whose key is new, in the order given: one statement executed for many
    rows (SQLAlchemy batches them into multi-row INSERTs, compiled once)."""
    if not messages:
        return 0
    rows = [
        {
            "key": m.key,
            "purpose": m.purpose,
            "user_id": m.user_id,
            "payload": m.payload,
            "not_before": m.not_before,
            "expires_at": m.expires_at,
            "urgent": m.urgent,
            "batch": m.batch,
            "status": status,
            "last_error": reason,
            "attempts": 0,
        }
        for m in messages
    ]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(cast(Table, OutboxMessage.__table__))  # Core: plain executemany, no ORM
        .values(created_at=func.now())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    return len((await session.execute(statement, rows)).all())


async def claim(session: AsyncSession, worker: str, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due rows for `worker`: urgent ones first, then those waiting for a
    retry (so a batch's retries are not all left to its end)."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
        .order_by(
            OutboxMessage.urgent.desc(),
            OutboxMessage.attempts.desc(),
            OutboxMessage.not_before,
            OutboxMessage.id,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")  # one scan: `IN (SELECT ... LIMIT)` may be re-scanned and take too many
    )
    claimed = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == due.c.id, OutboxMessage.status == "pending")
        .values(status="claimed", claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(row[0] for row in claimed.all())


async def begin(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """The API call for a claimed row is about to start (False: the row is no longer ours)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "claimed")
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, worker: str) -> None:
    """A sender stopping cleanly gives back what it claimed and did not try."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", OutboxMessage.claimed_by == worker)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def _never_gone(owner: str) -> bool:
    return False


async def recover(
    session: AsyncSession,
    now: datetime,
    lease: timedelta = LEASE,
    gone: Callable[[str], bool] = _never_gone,
) -> int:
    """Settle rows a dead sender left behind (see the module's note): those whose lease ran
    out, and at once those of an owner `gone` knows to be dead (bot/delivery/owners.py)."""
    owners = await session.execute(
        select(OutboxMessage.claimed_by)
        .where(
            OutboxMessage.status.in_(("claimed", "sending")), OutboxMessage.claimed_by.is_not(None)
        )
        .distinct()
    )
    dead = sorted(str(owner) for owner in owners.scalars() if owner and gone(str(owner)))
    old = or_(OutboxMessage.claimed_at < now - lease, OutboxMessage.claimed_by.in_(dead))
    untried = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", old)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    again = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", old, OutboxMessage.purpose.in_(AT_LEAST_ONCE))
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    given_up = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", old, OutboxMessage.purpose.not_in(AT_LEAST_ONCE))
        .values(
            status="interrupted",
            last_error="the sending process stopped mid-call: perhaps delivered, never sent twice",
        )
        .execution_options(synchronize_session=False)
    )
    settled = 0
    for result in (untried, again, given_up):
        settled += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return settled


async def settle(
    session: AsyncSession,
    message_id: int,
    status: str,
    *,
    now: datetime,
    error: str | None = None,
    not_before: datetime | None = None,
    attempts: int | None = None,
    telegram_message_id: int | None = None,
) -> None:
    """Record what happened to a claimed row: a final status, or back to pending for later."""
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == "sent":
        values.update(sent_at=now, message_id=telegram_message_id)
    if status == "pending":
        values.update(claimed_by=None, claimed_at=None)
    if not_before is not None:
        values["not_before"] = not_before
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def counts(
    session: AsyncSession, purpose: str | None = None, batch: str | None = None
) -> dict[str, int]:
    """How many rows are in each status (for progress, reports and tests)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if purpose is not None:
        query = query.where(OutboxMessage.purpose == purpose)
    if batch is not None:
        query = query.where(OutboxMessage.batch == batch)
    return {status: int(count) for status, count in (await session.execute(query)).all()}


async def reasons(session: AsyncSession, batch: str, status: str = "failed") -> dict[str, int]:
    """Why rows of a batch ended in `status`: each recorded reason and how many had it."""
    rows = await session.execute(
        select(OutboxMessage.last_error, func.count())
        .where(OutboxMessage.batch == batch, OutboxMessage.status == status)
        .group_by(OutboxMessage.last_error)
    )
    return {str(reason or "?"): int(count) for reason, count in rows.all()}


async def drop_pending(session: AsyncSession, batch: str, reason: str) -> int:
    """Skip every row of a batch that no sender has taken yet (a cancelled announcement)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.batch == batch, OutboxMessage.status == "pending")
        .values(status="skipped", last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""The sender's writes to the outbox, committed in groups.

Every message needs two writes: its row is marked `sending` before the call (so a crash leaves
it in doubt, never sent twice) and settled after it. Committed one by one, they queue for the
database's single writer and the sender cannot keep a pace of 100 messages a second. Here the
writes that arrive while a commit is under way wait for the next one, which carries them all
(group commit); an idle sender commits at once. `begin` returns once its row is marked and
committed, as the outbox's guarantees need (bot/delivery/outbox.py); `settle` only records the
outcome, so that a slow commit never holds up the pace, and `flush` waits until every outcome
recorded is committed (the sender flushes before a drain ends). The statements are built once
and carry many rows each.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import Table, Update, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage, User

log = structlog.get_logger("silta.sender")


@dataclass(frozen=True)
class Settlement:
    """What became of a row (the same columns as `outbox.settle` writes)."""

    row: int
    status: str
    now: datetime
    error: str | None = None
    not_before: datetime | None = None
    telegram_message_id: int | None = None
    blocked_chat: int | None = None  # the reader blocked the bot: mark them unreachable


@dataclass(frozen=True)
class _Begin:
    row: int
    now: datetime


_Write = _Begin | Settlement


def _log_failure(done: asyncio.Future[bool]) -> None:
    """A settlement that could not be written leaves its row `sending`: after the lease it is
    settled as in doubt (never sent twice), as after a crash."""
    if not done.cancelled() and done.exception() is not None:
        log.error("outbox_settle_failed", error=repr(done.exception()))


class Ledger:
    """Group commit of the sender's `begin` and `settle` writes."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self._waiting: list[tuple[_Write, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def begin(self, row: int, now: datetime) -> bool:
        """Mark a claimed row `sending`, committed (False: the row is no longer ours)."""
        return await self._write(_Begin(row, now))

    def settle(self, settlement: Settlement) -> None:
        """Record what became of a row, without waiting for the commit: a worker blocked on
        a slow commit (e.g. SQLite's checkpoint) would stop the pace. `flush` waits for it."""
        self._write(settlement).add_done_callback(_log_failure)

    async def flush(self) -> None:
        """Wait until everything recorded so far is committed."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _write(self, write: _Write) -> asyncio.Future[bool]:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._commit_all())
        return done

    async def _commit_all(self) -> None:
        """Commit what waits, in groups, until nothing does."""
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                results = await self._commit(group)
            except Exception as error:  # every caller hears of it; the writer goes on
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
                continue
            for (_, done), result in zip(group, results, strict=True):
                if not done.done():
                    done.set_result(result)

    async def _commit(self, group: list[tuple[_Write, asyncio.Future[bool]]]) -> list[bool]:
        begins = [write for write, _ in group if isinstance(write, _Begin)]
        settles = [write for write, _ in group if isinstance(write, Settlement)]
        async with self.session_factory() as session:
            begun = await _begin_all(session, begins)
            await _settle_all(session, settles)
            await session.commit()
        return [write.row in begun if isinstance(write, _Begin) else True for write, _ in group]


# The statements are built once: building them for every row costs more than running them.
_OUTBOX = cast(Table, OutboxMessage.__table__)
_BEGIN = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("rows", expanding=True)), _OUTBOX.c.status == "claimed")
    .values(status="sending", claimed_at=bindparam("now"), attempts=_OUTBOX.c.attempts + 1)
    .returning(_OUTBOX.c.id)
)
_BLOCK = (
    update(User)
    .where(User.telegram_id.in_(bindparam("chats", expanding=True)))
    .values(is_active=False)
)
_SETTLE: dict[tuple[str, ...], Update] = {}


async def _begin_all(session: AsyncSession, begins: list[_Begin]) -> set[int]:
    """`outbox.begin` for many rows in one statement; the rows that were still ours."""
    if not begins:
        return set()
    now = max(write.now for write in begins)
    found = await session.execute(_BEGIN, {"rows": [write.row for write in begins], "now": now})
    return {int(row_id) for row_id in found.scalars()}


def _values(write: Settlement) -> dict[str, Any]:
    """The columns `outbox.settle` writes for this outcome."""
    values: dict[str, Any] = {"status": write.status, "last_error": write.error}
    if write.status == "sent":
        values.update(sent_at=write.now, message_id=write.telegram_message_id)
    if write.status == "pending":
        values.update(claimed_by=None, claimed_at=None)
    if write.not_before is not None:
        values["not_before"] = write.not_before
    return values


async def _settle_all(session: AsyncSession, settles: list[Settlement]) -> None:
    """`outbox.settle` for many rows: one statement per shape of outcome."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for write in settles:
        values = _values(write)
        shape = tuple(sorted(values))
        shapes.setdefault(shape, []).append(
            {"row": write.row, **{f"new_{name}": value for name, value in values.items()}}
        )
    for shape, params in shapes.items():
        statement = _SETTLE.get(shape)
        if statement is None:
            statement = _SETTLE[shape] = (
                update(_OUTBOX)
                .where(_OUTBOX.c.id == bindparam("row"))
                .values({name: bindparam(f"new_{name}") for name in shape})
            )
        await session.execute(statement, params)
    blocked = sorted({write.blocked_chat for write in settles if write.blocked_chat is not None})
    if blocked:
        await session.execute(_BLOCK, {"chats": blocked})

"""The sender: drains the outbox within Telegram's limits and records what became of each row.

Workers take claimed rows one by one: read the row and render it in the recipient's language,
mark it `sending`, wait for its place in the pace (limits.py), call sendMessage, settle the
row. The place comes last so that the call follows it at once, and the row's writes are
committed in groups (ledger.py), so the sender keeps a pace of 100 messages a second and more.
What Telegram answers decides the rest:
- 429: the row goes back unharmed and waits `retry_after`; the others go on. Only when 429s
  dominate the recent answers (Telegram's flood wait) does every worker pause for it.
- 403 (blocked, deactivated): the user is marked unreachable and gets nothing more.
- 5xx and network errors: tried again later with exponential backoff, up to a limit, then
  `failed` with the reason.
- 400: `failed` with Telegram's reason (a message Telegram refuses will not improve).
A call that Telegram answered with an error delivered nothing, so its place in the pace is
given back (a dropped connection may have delivered: its place is kept). Nothing non-urgent
goes out in the reader's quiet hours, and a row past its `expires_at` is skipped and recorded
rather than sent late.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage, User, as_utc, utcnow
from bot.delivery import outbox, owners
from bot.delivery.ledger import Ledger, Settlement
from bot.delivery.limits import SendLimits
from bot.delivery.render import Rendered, Skip, render
from bot.domain.clubs.reminders import QuietHours
from bot.i18n.core import SiltaI18n
from bot.i18n.text import for_reader

log = structlog.get_logger("silta.sender")

RECOVER_EVERY = 30.0  # seconds between looks for rows a dead sender left behind
IDLE_LOOK = 0.05  # seconds between claims while nothing is due and calls are under way
SOON = 1.0  # seconds: a row due within this is waited for by the drain under way
READY_AHEAD = 0.5  # seconds of the pace made ready ahead of it (see Sender._ahead)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Answer:
    """What became of one call: the row's new status, and whether it may have delivered."""

    status: str
    error: str | None = None
    not_before: datetime | None = None
    message_id: int | None = None
    delivered_nothing: bool = True  # Telegram refused it: its place in the pace is given back


def backoff(attempts: int) -> timedelta:
    """Wait before trying again after the n-th attempt failed: 1, 2, 4 ... seconds, at most
    10 min (a chance 5xx is retried soon; a lasting outage is waited out)."""
    return timedelta(seconds=min(600, 2 ** (attempts - 1)))


class Sender:
    """One sending process's worker pool over the shared outbox."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot,
        i18n: SiltaI18n,
        *,
        per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        max_attempts: int = 5,
        quiet: QuietHours | None = None,
        clock: Clock = utcnow,
        lease: timedelta = outbox.LEASE,
        name: str | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.i18n = i18n
        self.limits = SendLimits(per_second, per_chat_per_second)
        self.ledger = Ledger(session_factory)
        self.max_attempts = max_attempts
        self.quiet = quiet or QuietHours()
        self.clock = clock
        self.lease = lease
        self.name = name or owners.sender_name(id(self))
        self.workers = max(4, min(64, int(per_second)))
        # Rows made ready (marked `sending`) ahead of their place in the pace: enough to keep
        # the pace through the database's delays, few enough that a crash leaves few in doubt.
        self._ahead = asyncio.Semaphore(max(2, math.ceil(per_second * READY_AHEAD)))
        self._stopping = False
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._next_recovery = 0.0

    def stop(self) -> None:
        """Finish the calls under way, give back the rest, take nothing new (shutting down)."""
        self._stopping = True

    def resume(self) -> None:
        self._stopping = False

    async def wait_idle(self, timeout: float = 15.0) -> None:
        """Wait (a while) for a drain under way to wind down after `stop()`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def drain(self, budget: float | None = None) -> int:
        """Send what is due until nothing is (or `budget` seconds have passed); returns how
        many rows reached a final status (sent, blocked, failed, skipped)."""
        if self._stopping:
            return 0
        self._running += 1
        self._idle.clear()
        try:
            return await self._drain(budget)
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def _drain(self, budget: float | None) -> int:
        # Looking for rows a dead sender left is needed now and then, not on every tick.
        if time.monotonic() >= self._next_recovery:
            async with self.session_factory() as session:
                await outbox.recover(session, self.clock(), self.lease, owners.is_gone)
                await session.commit()
            self._next_recovery = time.monotonic() + RECOVER_EVERY
        queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
        settled = 0
        busy = 0
        claimed_any = False
        looked_ahead = False
        deadline = None if budget is None else time.monotonic() + budget

        async def work() -> None:
            nonlocal settled, busy
            while True:
                message_id, chat_id = await queue.get()
                busy += 1
                try:
                    final = await self._deliver(message_id, chat_id)
                    settled += final  # after the await: `x += await ...` reads x too early
                except Exception:  # one row must never stop the others
                    log.exception("outbox_row_failed", row=message_id)
                finally:
                    busy -= 1
                    queue.task_done()

        workers = [asyncio.create_task(work()) for _ in range(self.workers)]
        try:
            while (deadline is None or time.monotonic() < deadline) and not self._stopping:
                # Top the queue up when half of it is used: claiming row by row would cost a
                # transaction each, and claiming far ahead would starve other senders.
                if queue.qsize() <= self.workers // 2:
                    await self.limits.wait_for_pause()
                    wanted = self.workers - queue.qsize()
                    async with self.session_factory() as session:
                        ids = await outbox.claim(session, self.name, self.clock(), wanted)
                        chats = await _chats_of(session, ids)
                        await session.commit()
                    claimed_any = claimed_any or bool(ids)
                    looked_ahead = looked_ahead and not ids
                    for message_id in ids:
                        if message_id in chats:
                            queue.put_nowait((message_id, chats[message_id]))
                    if not ids:
                        if queue.empty() and busy == 0:
                            # A retry due before the next tick is waited for here, once: the
                            # tick would add up to a second to every retry.
                            soon = None if looked_ahead else await self._next_due_in(SOON)
                            if soon is None or (
                                deadline is not None and time.monotonic() + soon > deadline
                            ):
                                break
                            looked_ahead = True
                            await asyncio.sleep(soon)
                            continue
                        await asyncio.sleep(IDLE_LOOK)  # nothing due: look again shortly
                        continue
                await asyncio.sleep(0.01)
            while self._stopping and not queue.empty():  # not started: given back below
                queue.get_nowait()
                queue.task_done()
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self.ledger.flush()
            if claimed_any:  # an idle tick wrote nothing
                async with self.session_factory() as session:
                    await outbox.release(session, self.name)
                    await session.commit()
        return settled

    async def _next_due_in(self, seconds: float) -> float | None:
        """How long until the next pending row is due, if within `seconds`."""
        async with self.session_factory() as session:
            first = await session.scalar(
                select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == "pending")
            )
        if first is None:
            return None
        wait = (as_utc(first) - self.clock()).total_seconds()
        return max(0.0, wait) if wait <= seconds else None

    async def _deliver(self, message_id: int, chat_id: int) -> int:
        """Try one claimed row; 1 when it reached a final status, else 0."""
        await self.limits.chat_free(chat_id)
        async with self._ahead:
            async with self.session_factory() as session:
                found = (
                    await session.execute(
                        select(OutboxMessage, User)
                        .join(User, User.id == OutboxMessage.user_id)
                        .where(OutboxMessage.id == message_id)
                    )
                ).one_or_none()
                if found is None:
                    return 0
                row, user = found
                now = self.clock()
                reason = self._not_now(row, user, now)
                if reason is not None:
                    early = self._settle_early(row, user, now, reason)
                    self.ledger.settle(early)
                    return 0 if early.status == "pending" else 1
                with self.i18n.context(), self.i18n.use_locale(user.language):
                    content = await render(session, user, row.payload, now)
                    if isinstance(content, Rendered):
                        text = for_reader(content.text)
            if isinstance(content, Skip):
                self.ledger.settle(Settlement(row.id, "skipped", now, content.reason))
                return 1
            if not await self.ledger.begin(row.id, now):
                return 0
            chat_id, attempts, purpose = user.telegram_id, row.attempts + 1, row.purpose
            # The place comes last, so that the call follows it at once: work before it would
            # bunch the calls together and break the limit Telegram counts.
            place = await self.limits.acquire(chat_id)
        answer = await self._call(chat_id, text, content, attempts)
        if answer.delivered_nothing:
            self.limits.refund(place)
        else:
            self.limits.answered(place)
        self.ledger.settle(
            Settlement(
                message_id,
                answer.status,
                self.clock(),
                answer.error,
                answer.not_before,
                answer.message_id,
                blocked_chat=chat_id if answer.status == "blocked" else None,
            )
        )
        log.info(
            "outbox_sent" if answer.status == "sent" else "outbox_not_sent",
            row=message_id,
            purpose=purpose,
            status=answer.status,
            error=answer.error,
        )
        return 0 if answer.status == "pending" else 1

    def _not_now(self, row: OutboxMessage, user: User, now: datetime) -> str | None:
        if row.expires_at is not None and now > as_utc(row.expires_at):
            return "expired"
        if not user.is_active:
            return "blocked"
        if not row.urgent and self.quiet.next_allowed(now, user.timezone) != now:
            return "quiet"
        return None

    def _settle_early(
        self, row: OutboxMessage, user: User, now: datetime, reason: str
    ) -> Settlement:
        """A row that is not sent now: held back (pending) or settled for good."""
        if reason == "quiet":
            later = self.quiet.next_allowed(now, user.timezone)
            if row.expires_at is None or later <= as_utc(row.expires_at):
                return Settlement(row.id, "pending", now, not_before=later)
            return Settlement(row.id, "skipped", now, "quiet hours, and too late after them")
        if reason == "expired":
            return Settlement(row.id, "skipped", now, "no longer useful when its turn came")
        return Settlement(row.id, "blocked", now, "the user blocked the bot")

    async def _call(self, chat_id: int, text: str, content: Rendered, attempts: int) -> Answer:
        """sendMessage, and what its answer means for the row."""
        try:
            sent = await self.bot.send_message(chat_id, text, reply_markup=content.keyboard)
        except TelegramRetryAfter as error:
            if self.limits.record(True, error.retry_after):
                log.warning("outbox_paused", seconds=error.retry_after)
            later = self.clock() + timedelta(seconds=error.retry_after)
            return Answer("pending", f"429: retry after {error.retry_after} s", later)
        except (TelegramForbiddenError, TelegramUnauthorizedError) as error:
            self.limits.record(False)
            return Answer("blocked", error.message)
        except (TelegramBadRequest, TelegramNotFound) as error:
            self.limits.record(False)
            return Answer("failed", error.message)
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
            self.limits.record(False)
            reason = getattr(error, "message", None) or type(error).__name__
            # A 5xx is Telegram's refusal; a dropped connection may have delivered.
            refused = isinstance(error, TelegramServerError)
            if attempts >= self.max_attempts:
                failed = f"gave up after {attempts} attempts: {reason}"
                return Answer("failed", failed, delivered_nothing=refused)
            later = self.clock() + backoff(attempts)
            return Answer("pending", reason, later, delivered_nothing=refused)
        self.limits.record(False)
        return Answer("sent", message_id=sent.message_id, delivered_nothing=False)


async def _chats_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """The chat (Telegram id) of each claimed row: a worker waits for its chat to be free
    before it makes the row ready."""
    if not ids:
        return {}
    rows = await session.execute(
        select(OutboxMessage.id, User.telegram_id)
        .join(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.id.in_(ids))
    )
    return {int(row_id): int(chat) for row_id, chat in rows.all()}


async def pending_count(session: AsyncSession) -> int:
    rows = await session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "claimed", "sending")))
    )
    return len(rows.all())

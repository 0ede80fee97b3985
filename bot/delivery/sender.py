"""The sender: drains the outbox within Telegram's limits and records what became of each row.

Workers take claimed rows one by one: wait for the pace (limits.py), mark the row `sending`,
render it in the recipient's language, call sendMessage, settle the row. What Telegram answers
decides the rest:
- 429: every worker pauses for `retry_after`; the row goes back unharmed.
- 403 (blocked, deactivated): the user is marked unreachable and gets nothing more.
- 5xx and network errors: tried again later with exponential backoff, up to a limit, then
  `failed` with the reason.
- 400: `failed` with Telegram's reason (a message Telegram refuses will not improve).
Nothing non-urgent goes out in the reader's quiet hours, and a row past its `expires_at` is
skipped and recorded rather than sent late.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
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
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage, User, as_utc, utcnow
from bot.delivery import outbox, owners
from bot.delivery.limits import SendLimits
from bot.delivery.render import Rendered, Skip, render
from bot.domain.clubs.reminders import QuietHours
from bot.i18n.core import SiltaI18n
from bot.i18n.text import for_reader

log = structlog.get_logger("silta.sender")

RECOVER_EVERY = 30.0  # seconds between looks for rows a dead sender left behind

Clock = Callable[[], datetime]


def backoff(attempts: int) -> timedelta:
    """Wait before trying again after the n-th failure: 2, 4, 8 ... seconds, at most 10 min."""
    return timedelta(seconds=min(600, 2**attempts))


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
        self.max_attempts = max_attempts
        self.quiet = quiet or QuietHours()
        self.clock = clock
        self.lease = lease
        self.name = name or owners.sender_name(id(self))
        self.workers = max(4, min(64, int(per_second)))
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
        queue: asyncio.Queue[int] = asyncio.Queue()
        settled = 0
        busy = 0
        claimed_any = False
        deadline = None if budget is None else time.monotonic() + budget

        async def work() -> None:
            nonlocal settled, busy
            while True:
                message_id = await queue.get()
                busy += 1
                try:
                    final = await self._deliver(message_id)
                    settled += final  # after the await: `x += await ...` reads x too early
                except Exception:  # one row must never stop the others
                    log.exception("outbox_row_failed", row=message_id)
                finally:
                    busy -= 1
                    queue.task_done()

        workers = [asyncio.create_task(work()) for _ in range(self.workers)]
        try:
            while (deadline is None or time.monotonic() < deadline) and not self._stopping:
                if queue.qsize() < self.workers:
                    await self.limits.wait_for_pause()
                    async with self.session_factory() as session:
                        ids = await outbox.claim(session, self.name, self.clock(), self.workers)
                        await session.commit()
                    claimed_any = claimed_any or bool(ids)
                    for message_id in ids:
                        queue.put_nowait(message_id)
                    if not ids and queue.empty() and busy == 0:
                        break
                await asyncio.sleep(0.01 if queue.qsize() >= self.workers else 0)
            while self._stopping and not queue.empty():  # not started: given back below
                queue.get_nowait()
                queue.task_done()
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            if claimed_any:  # an idle tick wrote nothing
                async with self.session_factory() as session:
                    await outbox.release(session, self.name)
                    await session.commit()
        return settled

    async def _deliver(self, message_id: int) -> int:
        """Try one claimed row; 1 when it reached a final status, else 0."""
        async with self.session_factory() as session:
            row = await session.get(OutboxMessage, message_id)
            user = await session.get(User, row.user_id) if row is not None else None
            if row is None or user is None:
                return 0
            now = self.clock()
            reason = self._not_now(row, user, now)
            if reason is not None:
                final = await self._settle_early(session, row, user, now, reason)
                await session.commit()
                return final
            await self.limits.acquire(user.telegram_id)
            now = self.clock()
            with self.i18n.context(), self.i18n.use_locale(user.language):
                content = await render(session, user, row.payload, now)
                if isinstance(content, Rendered):
                    text = for_reader(content.text)
            if isinstance(content, Skip):
                await outbox.settle(session, row.id, "skipped", now=now, error=content.reason)
                await session.commit()
                return 1
            if not await outbox.begin(session, row.id, now):
                await session.rollback()
                return 0
            await session.commit()
            chat_id, attempts, purpose = user.telegram_id, row.attempts + 1, row.purpose
        status, error, later, sent_id = await self._call(chat_id, text, content, attempts)
        async with self.session_factory() as session:
            await outbox.settle(
                session,
                message_id,
                status,
                now=self.clock(),
                error=error,
                not_before=later,
                telegram_message_id=sent_id,
            )
            if status == "blocked":
                await session.execute(
                    update(User).where(User.telegram_id == chat_id).values(is_active=False)
                )
            await session.commit()
        log.info(
            "outbox_sent" if status == "sent" else "outbox_not_sent",
            row=message_id,
            purpose=purpose,
            status=status,
            error=error,
        )
        return 0 if status == "pending" else 1

    def _not_now(self, row: OutboxMessage, user: User, now: datetime) -> str | None:
        if row.expires_at is not None and now > as_utc(row.expires_at):
            return "expired"
        if not user.is_active:
            return "blocked"
        if not row.urgent and self.quiet.next_allowed(now, user.timezone) != now:
            return "quiet"
        return None

    async def _settle_early(
        self, session: AsyncSession, row: OutboxMessage, user: User, now: datetime, reason: str
    ) -> int:
        """A row that is not sent now: held back (0) or settled for good (1)."""
        if reason == "quiet":
            later = self.quiet.next_allowed(now, user.timezone)
            if row.expires_at is None or later <= as_utc(row.expires_at):
                await outbox.settle(session, row.id, "pending", now=now, not_before=later)
                return 0
            status, error = "skipped", "quiet hours, and too late after them"
        elif reason == "expired":
            status, error = "skipped", "no longer useful when its turn came"
        else:
            status, error = "blocked", "the user blocked the bot"
        await outbox.settle(session, row.id, status, now=now, error=error)
        return 1

    async def _call(
        self, chat_id: int, text: str, content: Rendered, attempts: int
    ) -> tuple[str, str | None, datetime | None, int | None]:
        """sendMessage; (status, error, not_before, telegram message id)."""
        try:
            sent = await self.bot.send_message(chat_id, text, reply_markup=content.keyboard)
        except TelegramRetryAfter as error:
            self.limits.pause(error.retry_after)
            log.warning("outbox_paused", seconds=error.retry_after)
            return "pending", "429: paused", None, None
        except (TelegramForbiddenError, TelegramUnauthorizedError) as error:
            return "blocked", error.message, None, None
        except (TelegramBadRequest, TelegramNotFound) as error:
            return "failed", error.message, None, None
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
            reason = getattr(error, "message", None) or type(error).__name__
            if attempts >= self.max_attempts:
                return "failed", f"gave up after {attempts} attempts: {reason}", None, None
            return "pending", reason, self.clock() + backoff(attempts), None
        return "sent", None, None, sent.message_id


async def pending_count(session: AsyncSession) -> int:
    rows = await session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "claimed", "sending")))
    )
    return len(rows.all())

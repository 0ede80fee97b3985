"""Live progress of announcements: the message in the author's chat is edited in place while the
outbox delivers, then turned into the final report, and a short note tells the author it ended
(an edit alone does not notify anybody).

Everything shown is counted from the outbox rows of the announcement's batch, so a restart (or
another process doing the same) shows the same figures; an edit that fails is tried on the next
round. Edits take their place in the sender's pace like any other message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Broadcast, User
from bot.delivery.limits import SendLimits
from bot.delivery.outbox import Planned, enqueue
from bot.i18n.core import SiltaI18n
from bot.i18n.text import for_reader
from bot.services import broadcasts as service
from bot.telegram import broadcast_screens

log = structlog.get_logger("silta.progress")


class BroadcastProgress:
    """Keeps every unfinished announcement's progress message up to date."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot,
        i18n: SiltaI18n,
        limits: SendLimits,
        clock: Callable[[], datetime],
        per_second: float,
    ) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.i18n = i18n
        self.limits = limits
        self.clock = clock
        self.per_second = per_second

    async def update(self) -> int:
        """One round over the announcements not reported yet; returns how many ended."""
        async with self.session_factory() as session:
            ids = [item.id for item in await service.unreported(session)]
        ended = 0
        for broadcast_id in ids:
            try:
                ended += await self._one(broadcast_id)
            except Exception:  # one announcement must not stop the others' progress
                log.exception("progress_failed", broadcast=broadcast_id)
        return ended

    async def _one(self, broadcast_id: int) -> int:
        async with self.session_factory() as session:
            item = await session.get(Broadcast, broadcast_id)
            if item is None:
                return 0
            now = self.clock()
            state = await service.progress(session, item, now)
            final = await service.finish_if_done(session, item, state, now)
            final = (
                final or item.status == "done" or (item.status == "cancelled" and not state.open)
            )
            if final:
                await session.refresh(item)
            author = await session.get(User, item.author_id) if item.author_id else None
            shown = author is None or item.progress_message_id is None
            if not shown and author is not None:
                shown = await self._show(item, author, state, final)
            if not shown:
                await session.commit()
                return 0
            if final:
                item.reported_at = now
                if author is not None:
                    await enqueue(
                        session,
                        [
                            Planned(
                                key=f"broadcast_finished:{item.id}",
                                purpose="broadcast_finished",
                                user_id=author.id,
                                payload={
                                    "kind": "broadcast_finished",
                                    "broadcast": item.id,
                                    "delivered": state.delivered,
                                },
                                not_before=now,
                                urgent=True,
                            )
                        ],
                    )
            await session.commit()
            return int(final)

    async def _show(
        self, item: Broadcast, author: User, state: service.Progress, final: bool
    ) -> bool:
        """Edit the progress message when its text changed; False to try again next round."""
        with self.i18n.context(), self.i18n.use_locale(author.language):
            screen = (
                broadcast_screens.report(item, state)
                if final
                else broadcast_screens.progress(item, state, self.per_second)
            )
            text = for_reader(screen.text)
        if text == item.progress_text:
            return True
        chat_id = int(item.progress_chat_id or author.telegram_id)
        place = await self.limits.acquire(chat_id)
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=int(item.progress_message_id or 0),
                reply_markup=screen.keyboard
                if isinstance(screen.keyboard, InlineKeyboardMarkup)
                else None,
            )
        except TelegramRetryAfter as error:
            # Like the sender's: one 429 holds back this edit; a run of them pauses everyone.
            self.limits.record(True, error.retry_after)
            self.limits.refund(place)
            return False
        except TelegramServerError:
            self.limits.refund(place)
            return False
        except (TelegramNetworkError, TimeoutError, OSError):
            self.limits.answered(place)  # the edit may have arrived
            return False
        except TelegramBadRequest as error:
            self.limits.refund(place)
            if "not modified" not in error.message:  # e.g. the message was deleted: go on
                log.warning("progress_not_edited", broadcast=item.id, error=error.message)
        except TelegramForbiddenError:
            self.limits.refund(place)
            log.warning("progress_author_blocked", broadcast=item.id)
        else:
            self.limits.record(False)
            self.limits.answered(place)
        item.progress_text = text
        return True

"""One database session per update, committed before the bot says anything.

The session opens when an update arrives and commits when the handler returns (rolls back
when it raises). And whenever the handler calls the Bot API (a reply, an edit, a button's
answer), what it has changed so far is committed first (`CommitBeforeRequest`): what a person
sees is already stored, so their next tap finds it, and no write lock is held while the bot
waits for Telegram. On SQLite, where one transaction writes at a time, that wait was what
every other update queued behind (bench/interactive.py: 33 answers a second, not 280).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The session of the update being handled, and the task handling it.
_current: ContextVar[tuple[AsyncSession, asyncio.Task[Any] | None] | None] = ContextVar(
    "silta_update_session", default=None
)


class DbSessionMiddleware(BaseMiddleware):
    """Open a session for the handler, commit when it returns, roll back when it raises."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            token = _current.set((session, asyncio.current_task()))
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            finally:
                _current.reset(token)
            await session.commit()
            return result


class CommitBeforeRequest(BaseRequestMiddleware):
    """Client-session middleware: commit the update's changes before a Bot API call."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        current = _current.get()
        # Only from the task handling the update: a task it started must not commit for it.
        if current is not None and current[1] is asyncio.current_task():
            session = current[0]
            if session.in_transaction():
                await session.commit()
        return await make_request(bot, method)

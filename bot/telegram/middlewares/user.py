"""Load the user behind an update (never create one: only /start and /language do)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.users import UserRepository
from bot.services.users import role_of


class UserMiddleware(BaseMiddleware):
    """Put `user` (or None) and `role` into the handler data.

    A user who had blocked the bot and writes again is reachable again.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        session: AsyncSession = data["session"]
        sender: TelegramUser | None = data.get("event_from_user")
        user = await UserRepository(session).get(sender.id) if sender is not None else None
        if user is not None and not user.is_active and data.get("event_update") is not None:
            update = data["event_update"]
            if update.message is not None or update.callback_query is not None:
                user.is_active = True
                user.blocked_at = None
        data["user"] = user
        data["role"] = role_of(user, self.settings.coordinator_ids) if user is not None else None
        data["settings"] = self.settings
        return await handler(event, data)

"""Choose the language of each reply: the user's stored choice, else Telegram's guess."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18nMiddleware

from bot.db.models import User
from bot.domain.languages import guess_language


class LocaleMiddleware(I18nMiddleware):
    """aiogram's i18n middleware with Silta's rule for picking the locale."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None:
            return user.language
        sender: TelegramUser | None = data.get("event_from_user")
        return guess_language(sender.language_code if sender else None, self.i18n.default_locale)

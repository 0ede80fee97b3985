"""Interactive replies take their place in the outbox's pace without waiting for it.

Telegram's limit of about 30 messages a second is the bot's, not the outbox's alone. A reply
to a person never waits for an announcement going out; instead it takes the next place in
the sender's pace at once (`SendLimits.spend`), and the announcement makes room for it, so
together they stay within the limit.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.delivery.limits import SendLimits


class RepliesInPace(BaseRequestMiddleware):
    """Client-session middleware: every message sent counts in the sender's pace."""

    def __init__(self, limits: SendLimits) -> None:
        self.limits = limits

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if method.__api_method__.startswith("send") and method.__api_method__ != "sendChatAction":
            self.limits.spend()
        return response

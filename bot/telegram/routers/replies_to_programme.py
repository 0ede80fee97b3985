"""What a person writes after a coordinator answered their request goes back to that request
(and to the coordinator who took it), rather than getting "I did not understand". Asked just
before the fallback, so guides and wizards waiting for a typed answer keep theirs."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandoffRequest, User, utcnow
from bot.services import inbox as service
from bot.telegram import inbox_screens, screens
from bot.telegram.magic import Magic
from bot.telegram.replies import send_screen


class AnsweredLately(BaseFilter):
    """Matches when the sender has a request a coordinator answered in the last two weeks."""

    async def __call__(self, message: Message, **data: Any) -> bool | dict[str, Any]:
        user: User | None = data.get("user")
        session: AsyncSession | None = data.get("session")
        if user is None or session is None:
            return False
        item = await service.conversation_open(session, user, utcnow())
        return {"request": item} if item is not None else False


async def replied(message: Message, session: AsyncSession, request: HandoffRequest) -> None:
    await service.person_replied(session, request, (message.text or "").strip()[:3500], utcnow())
    await send_screen(message, screens.Screen(inbox_screens.reply_passed_on()))


def build_router() -> Router:
    router = Router(name="replies_to_programme")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(
        replied, Magic(F.text), Magic(~F.text.startswith("/")), AnsweredLately()
    )
    return router

"""The bot's own membership in a private chat: blocked means unreachable, unblocked reachable."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.users import set_reachable
from bot.telegram.magic import Magic


async def membership_changed(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """Telegram tells us when a user blocks ('kicked') or unblocks ('member') the bot."""
    status = event.new_chat_member.status
    if status == "kicked":
        await set_reachable(session, event.from_user.id, False)
    elif status == "member":
        await set_reachable(session, event.from_user.id, True)


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="membership")
    router.my_chat_member.register(membership_changed, Magic(F.chat.type == "private"))
    return router

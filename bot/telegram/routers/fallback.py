"""Everything no other handler took: a short, friendly answer that changes nothing."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.db.models import User
from bot.domain.roles import Role
from bot.telegram import screens
from bot.telegram.magic import Magic
from bot.telegram.replies import answer_stale, send_screen


def _with_start_hint(text: str, user: User | None) -> str:
    return text if user is not None else text + "\n" + screens.send_start()


async def unknown_command(message: Message, user: User | None) -> None:
    await send_screen(message, screens.Screen(_with_start_hint(screens.unknown_command(), user)))


async def unknown_text(message: Message, user: User | None) -> None:
    """Free text we cannot act on (of any length; we never echo it back)."""
    await send_screen(
        message, screens.Screen(_with_start_hint(screens.not_understood_text(), user))
    )


async def unknown_media(message: Message, user: User | None) -> None:
    """Stickers, photos, voice, files, locations, contacts...: we cannot read them."""
    await send_screen(
        message, screens.Screen(_with_start_hint(screens.not_understood_media(), user))
    )


async def unknown_button(
    query: CallbackQuery, settings: Settings, user: User | None, role: Role | None
) -> None:
    """A button we no longer know (old message, other version, or forged data)."""
    await answer_stale(query, user, role, settings)


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="fallback")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(unknown_command, Magic(F.text.startswith("/")))
    router.message.register(unknown_text, Magic(F.text))
    router.message.register(unknown_media)
    router.callback_query.register(unknown_button)
    return router

"""Small helpers for answering: send a screen, edit in place, recover from a stale button."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, ReplyKeyboardMarkup

from bot.config import Settings
from bot.db.models import User
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.telegram import screens


async def send_screen(target: Message | CallbackQuery, screen: screens.Screen) -> None:
    """Send a new message into the chat the event came from."""
    message = target if isinstance(target, Message) else target.message
    if message is None:
        return
    await message.bot.send_message(  # type: ignore[union-attr]
        chat_id=message.chat.id, text=for_reader(screen.text), reply_markup=screen.keyboard
    )


async def edit_or_send(query: CallbackQuery, screen: screens.Screen) -> None:
    """Replace the pressed message (wizard style); send anew when it cannot be edited."""
    message = query.message
    inline = screen.keyboard if not isinstance(screen.keyboard, ReplyKeyboardMarkup) else None
    if isinstance(message, Message) and inline is screen.keyboard:
        try:
            await message.edit_text(for_reader(screen.text), reply_markup=inline)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
    await send_screen(query, screen)


async def answer_stale(
    query: CallbackQuery, user: User | None, role: Role | None, settings: Settings
) -> None:
    """A button from an old message or a forged one: say so, change nothing, show where we are."""
    await query.answer(for_reader(screens.stale_button()), show_alert=False)
    if user is None:
        await send_screen(query, screens.Screen(screens.send_start()))
        return
    await send_screen(query, screens.next_onboarding_step(user, role, settings.coordinator_ids))

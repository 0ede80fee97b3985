"""/menu, /help and the foundation's menu entries; refuses entries the role is not offered."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.db.models import User
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services.users import onboarding_state
from bot.telegram import screens
from bot.telegram.callbacks import MenuAction
from bot.telegram.magic import Magic
from bot.telegram.menu import is_allowed
from bot.telegram.replies import answer_stale, send_screen


class MenuEntryRefused(BaseFilter):
    """Matches a menu button that this user may not press now (role, onboarding, unknown)."""

    async def __call__(self, query: CallbackQuery, **data: Any) -> bool:
        try:
            action = MenuAction.unpack(query.data or "")
        except (TypeError, ValueError):
            return False
        user: User | None = data.get("user")
        settings: Settings = data["settings"]
        if user is None or not onboarding_state(user, settings.coordinator_ids).complete:
            return True
        return not is_allowed(action.entry, data.get("role"))


async def refuse_entry(
    query: CallbackQuery, settings: Settings, user: User | None, role: Role | None
) -> None:
    """A forged or outdated menu button: a polite refusal, nothing else happens."""
    if user is not None and onboarding_state(user, settings.coordinator_ids).complete:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    await answer_stale(query, user, role, settings)


async def menu_command(
    message: Message, settings: Settings, user: User | None, role: Role | None
) -> None:
    if user is None:
        await send_screen(message, screens.Screen(screens.send_start()))
        return
    await send_screen(message, screens.next_onboarding_step(user, role, settings.coordinator_ids))


async def help_command(message: Message, role: Role | None) -> None:
    await send_screen(message, screens.Screen(screens.help_text(role)))


async def help_entry(query: CallbackQuery, role: Role | None) -> None:
    await query.answer()
    await send_screen(query, screens.Screen(screens.help_text(role)))


async def language_entry(query: CallbackQuery, user: User) -> None:
    await query.answer()
    await send_screen(query, screens.language_question(user.language))


async def role_entry(query: CallbackQuery) -> None:
    await query.answer()
    await send_screen(query, screens.role_question())


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="menu")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(refuse_entry, MenuEntryRefused())
    router.message.register(menu_command, Command("menu"))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_entry, MenuAction.filter(F.entry == "help"))
    router.callback_query.register(language_entry, MenuAction.filter(F.entry == "language"))
    router.callback_query.register(role_entry, MenuAction.filter(F.entry == "role"))
    return router

"""The user's own data: /mydata shows it, /delete erases it after a confirmation."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User
from bot.services import users as user_service
from bot.services.flows import FlowLibrary
from bot.telegram import screens
from bot.telegram.bot_profile import clear_chat_commands
from bot.telegram.callbacks import DeleteAnswer, MenuAction
from bot.telegram.keyboards import delete_keyboard
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen


async def show_my_data(
    target: Message | CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
) -> None:
    if user is None:
        await send_screen(target, screens.Screen(screens.nothing_stored()))
        return
    data = await user_service.export_user_data(session, user, settings.coordinator_ids)
    titles = [
        _(flow_library.flows[flow_id].title) if flow_id in flow_library.flows else flow_id
        for flow_id in data.guides
    ]
    await send_screen(target, screens.Screen(screens.my_data(data, titles)))


async def ask_delete(target: Message | CallbackQuery, user: User | None) -> None:
    if user is None:
        await send_screen(target, screens.Screen(screens.nothing_stored()))
        return
    await send_screen(target, screens.Screen(screens.delete_question(), delete_keyboard()))


async def mydata_command(
    message: Message,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
) -> None:
    await show_my_data(message, session, settings, flow_library, user)


async def mydata_entry(
    query: CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
) -> None:
    await query.answer()
    await show_my_data(query, session, settings, flow_library, user)


async def delete_command(message: Message, user: User | None) -> None:
    await ask_delete(message, user)


async def delete_entry(query: CallbackQuery, user: User | None) -> None:
    await query.answer()
    await ask_delete(query, user)


async def delete_answered(
    query: CallbackQuery,
    callback_data: DeleteAnswer,
    session: AsyncSession,
    bot: Bot,
    user: User | None,
) -> None:
    """Erase on 'yes'; a second press, or a press after erasing, finds nothing to erase."""
    await query.answer()
    if not callback_data.confirm:
        await edit_or_send(query, screens.Screen(screens.not_deleted()))
        return
    if user is None:
        await edit_or_send(query, screens.Screen(screens.nothing_stored()))
        return
    await user_service.delete_user(session, user.telegram_id)
    await session.commit()
    await clear_chat_commands(bot, user.telegram_id)
    await edit_or_send(query, screens.Screen(screens.deleted()))


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="account")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(mydata_command, Command("mydata"))
    router.callback_query.register(mydata_entry, MenuAction.filter(F.entry == "mydata"))
    router.message.register(delete_command, Command("delete"))
    router.callback_query.register(delete_entry, MenuAction.filter(F.entry == "delete"))
    router.callback_query.register(delete_answered, DeleteAnswer.filter())
    return router

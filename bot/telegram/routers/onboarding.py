"""First contact: /start, the language choice, consent and role; /language at any time."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User
from bot.domain.roles import Role
from bot.services import users as user_service
from bot.services.users import InvalidChoice
from bot.telegram import screens
from bot.telegram.bot_profile import set_chat_commands
from bot.telegram.callbacks import ConsentAnswer, LanguageChoice, RoleChoice
from bot.telegram.invite_redemption import redeem_pending
from bot.telegram.magic import Magic
from bot.telegram.replies import answer_stale, edit_or_send, send_screen


async def _known_user(
    message: Message, session: AsyncSession, settings: Settings, user: User | None
) -> User:
    """The sender as a stored user; first contact stores only the id and a guessed language."""
    assert message.from_user is not None
    if user is not None:
        return user
    user, _created = await user_service.get_or_create_user(
        session,
        message.from_user.id,
        message.from_user.language_code,
        settings.default_locale,
        settings.default_timezone,
    )
    return user


async def start(
    message: Message, session: AsyncSession, settings: Settings, user: User | None
) -> None:
    """Greet a newcomer with the language question; bring back a known user where they were."""
    assert message.from_user is not None
    user = await _known_user(message, session, settings, user)
    if not user.language_confirmed:
        await send_screen(message, screens.greeting(message.from_user.first_name, user.language))
        return
    role = user_service.role_of(user, settings.coordinator_ids)
    await send_screen(message, screens.next_onboarding_step(user, role, settings.coordinator_ids))


async def language_command(
    message: Message, session: AsyncSession, settings: Settings, user: User | None
) -> None:
    """Offer the language keyboard at any time."""
    user = await _known_user(message, session, settings, user)
    await send_screen(message, screens.language_question(user.language))


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    bot: Bot,
    settings: Settings,
    user: User | None,
    i18n: I18n,
) -> None:
    """Store the choice, confirm it in place, and go on with whatever is still missing."""
    if user is None:
        await answer_stale(query, None, None, settings)
        return
    try:
        user_service.choose_language(user, callback_data.code)
    except InvalidChoice:
        await answer_stale(
            query, user, user_service.role_of(user, settings.coordinator_ids), settings
        )
        return
    role = user_service.role_of(user, settings.coordinator_ids)
    with i18n.use_locale(user.language):
        await query.answer()
        await edit_or_send(query, screens.Screen(screens.language_set(user.language)))
        await set_chat_commands(bot, i18n, user.telegram_id, user.language)
        await send_screen(query, screens.next_onboarding_step(user, role, settings.coordinator_ids))


async def consent_answered(
    query: CallbackQuery,
    callback_data: ConsentAnswer,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    user: User | None,
) -> None:
    """Record consent and ask for the role, or explain what a refusal means."""
    if user is None or not user.language_confirmed:
        await answer_stale(query, user, None, settings)
        return
    await query.answer()
    if not callback_data.agree:
        if user.consent_at is None:
            await edit_or_send(query, screens.consent_declined())
        else:
            await send_screen(
                query, screens.main_menu(user_service.role_of(user, settings.coordinator_ids))
            )
        return
    user_service.give_consent(user)
    await edit_or_send(query, screens.Screen(screens.consent_note().text))
    if await redeem_pending(query, session, settings, state, user):
        return
    role = user_service.role_of(user, settings.coordinator_ids)
    if role is Role.COORDINATOR:
        await send_screen(query, screens.Screen(screens.role_confirmed(role)))
    await send_screen(query, screens.next_onboarding_step(user, role, settings.coordinator_ids))


async def role_chosen(
    query: CallbackQuery, callback_data: RoleChoice, settings: Settings, user: User | None
) -> None:
    """Store parent or buddy; coordinators keep their role from settings."""
    current = user_service.role_of(user, settings.coordinator_ids) if user else None
    if user is None or user.consent_at is None or current is Role.COORDINATOR:
        await answer_stale(query, user, current, settings)
        return
    try:
        role = user_service.choose_role(user, callback_data.role)
    except InvalidChoice:
        await answer_stale(query, user, current, settings)
        return
    await query.answer()
    await edit_or_send(query, screens.Screen(screens.role_confirmed(role)))
    await send_screen(query, screens.main_menu(role))


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="onboarding")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(start, CommandStart())
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_chosen, LanguageChoice.filter())
    router.callback_query.register(consent_answered, ConsentAnswer.filter())
    router.callback_query.register(role_chosen, RoleChoice.filter())
    return router

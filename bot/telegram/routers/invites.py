"""Invite links in the chat: a coordinator makes a one-time link for a new coordinator or a
volunteer buddy; the person opens it (t.me/<bot>?start=inv-<code>), goes through language and
consent as anyone does, and gets the role then. Refused politely when used or expired."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User, utcnow
from bot.domain.roles import Role
from bot.i18n.text import fmt, for_reader, format_when
from bot.services import audit
from bot.services import invites as service
from bot.telegram import screens
from bot.telegram.callbacks import InviteRole, MenuAction
from bot.telegram.invite_redemption import invitation_gone, redeem
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen
from bot.telegram.routers.onboarding import start as onboarding_start


async def invite_entry(query: CallbackQuery, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    await query.answer()
    rows = [
        [
            InlineKeyboardButton(
                text=screens.role_name(invited), callback_data=InviteRole(role=invited.value).pack()
            )
        ]
        for invited in service.INVITABLE
    ]
    await edit_or_send(
        query,
        screens.Screen(
            _("Whom do you want to invite?"), InlineKeyboardMarkup(inline_keyboard=rows)
        ),
    )


async def invite_role_chosen(
    query: CallbackQuery,
    callback_data: InviteRole,
    session: AsyncSession,
    bot: Bot,
    user: User | None,
    role: Role | None,
) -> None:
    """Make the link (the role is checked on the server, whatever the button says)."""
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    try:
        invited = Role(callback_data.role)
        invite = await service.create(session, user, invited, utcnow())
    except ValueError:
        await query.answer(for_reader(screens.stale_button()), show_alert=True)
        return
    audit.record(session, user, "invite_created", f"invite {invite.id}", role=invited.value)
    await query.answer()
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={service.PREFIX}{invite.code}"
    text = fmt(
        _("Send this link to the person. It works once, until {when}:"),
        when=format_when(invite.expires_at, user.timezone),
    )
    await edit_or_send(query, screens.Screen(text + "\n\n" + link))


async def invite_opened(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    user: User | None,
) -> None:
    """/start inv-<code>: keep the code until consent, or use it now for someone onboarded."""
    code = (command.args or "").removeprefix(service.PREFIX)
    if await service.usable(session, code, utcnow()) is None:
        await send_screen(message, screens.Screen(invitation_gone()))
        return
    if user is not None and user.consent_at is not None and user.language_confirmed:
        await redeem(message, session, settings, user, code)
        return
    await state.update_data(invite=code)
    await onboarding_start(message, session, settings, user)


def build_router() -> Router:
    router = Router(name="invites")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(invite_entry, MenuAction.filter(F.entry == "invite"))
    router.callback_query.register(invite_role_chosen, InviteRole.filter())
    router.message.register(
        invite_opened, CommandStart(deep_link=True, magic=F.args.startswith(service.PREFIX))
    )
    return router

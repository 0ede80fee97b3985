"""Using an invite for someone who has agreed to the consent note: shared by the invite link
handler (people already onboarded) and the consent step (people who came by the link)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User, utcnow
from bot.domain.roles import Role
from bot.services import audit
from bot.services import invites as service
from bot.services import users as user_service
from bot.telegram import buddy_screens, screens
from bot.telegram.replies import send_screen


async def redeem_pending(
    target: Message | CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    user: User,
) -> bool:
    """After consent: use an invite kept in the chat's state; True when a role was granted."""
    data = await state.get_data()
    code = data.get("invite")
    if not code:
        return False
    await state.update_data(invite=None)
    return await redeem(target, session, settings, user, str(code))


async def redeem(
    target: Message | CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    user: User,
    code: str,
) -> bool:
    granted = await service.redeem(session, code, user, utcnow())
    if granted is None:
        await send_screen(target, screens.Screen(invitation_gone()))
        return False
    audit.record(session, user, "invite_used", f"user {user.id}", role=granted.value)
    role = user_service.role_of(user, settings.coordinator_ids)
    await send_screen(target, screens.Screen(screens.role_confirmed(granted)))
    if granted is Role.BUDDY:  # the next step of a new volunteer: the sign-up
        await send_screen(target, buddy_screens.volunteer_status(None))
    await send_screen(target, screens.main_menu(role))
    return True


def invitation_gone() -> str:
    return _(
        "This invitation does not work any more: it was used or it has expired. Please ask "
        "the coordinator for a new one."
    )

"""The coordinators' inbox in the chat: waiting requests for a person, one request with its
context, take, answer (the person gets it from the programme), close. Every button checks the
role on the server side; a forged one gets a polite refusal."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandoffRequest, User, utcnow
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import audit
from bot.services import inbox as service
from bot.services.flows import FlowLibrary
from bot.telegram import inbox_screens, screens
from bot.telegram.callbacks import InboxAction, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen


class AnswerRequest(StatesGroup):
    text = State()


async def open_inbox(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await query.answer()
    await edit_or_send(query, inbox_screens.inbox(await service.waiting(session), user))


async def _request_screen(
    session: AsyncSession, item: HandoffRequest, library: FlowLibrary, reader: User
) -> screens.Screen:
    person = await session.get(User, item.user_id)
    flow = library.flows.get(item.flow_id or "")
    taker = None
    if item.taken_by is not None:
        taken_by = await session.get(User, item.taken_by)
        taker = str(taken_by.telegram_id) if taken_by is not None else None
    guide = _(flow.title) if flow is not None else None
    return inbox_screens.request(item, person, guide, taker, reader)


async def inbox_action(
    query: CallbackQuery,
    callback_data: InboxAction,
    session: AsyncSession,
    state: FSMContext,
    flow_library: FlowLibrary,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    if callback_data.item == 0:
        await open_inbox(query, session, user)
        return
    item = await session.get(HandoffRequest, callback_data.item)
    if item is None or item.status not in service.WAITING:
        await query.answer(for_reader(screens.stale_button()))
        await edit_or_send(query, inbox_screens.inbox(await service.waiting(session), user))
        return
    await query.answer()
    if callback_data.act == "t":
        service.take(item, user)
        audit.record(session, user, "request_taken", f"request {item.id}")
    elif callback_data.act == "a":
        await state.set_state(AnswerRequest.text)
        await state.update_data(item=item.id)
        await send_screen(query, screens.Screen(inbox_screens.ask_answer(item)))
        return
    elif callback_data.act == "c":
        service.close(item, utcnow())
        audit.record(session, user, "request_closed", f"request {item.id}")
        await edit_or_send(query, screens.Screen(inbox_screens.closed()))
        return
    await edit_or_send(query, await _request_screen(session, item, flow_library, user))


async def answer_written(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    data = await state.get_data()
    await state.clear()
    item = await session.get(HandoffRequest, int(data.get("item", 0)))
    if user is None or role is not Role.COORDINATOR or item is None:
        await send_screen(message, screens.Screen(screens.not_for_you()))
        return
    await service.reply(session, item, user, (message.text or "").strip()[:3500], utcnow())
    audit.record(session, user, "request_answered", f"request {item.id}")
    await send_screen(message, screens.Screen(inbox_screens.answer_sent()))


def build_router() -> Router:
    router = Router(name="inbox")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(open_inbox, MenuAction.filter(F.entry == "inbox"))
    router.callback_query.register(inbox_action, InboxAction.filter())
    router.message.register(
        answer_written,
        StateFilter(AnswerRequest.text),
        Magic(F.text),
        Magic(~F.text.startswith("/")),
    )
    return router

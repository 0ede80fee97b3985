"""The two sides of a buddy match in the chat: "My buddy" in the menu, writing to each other
through the bot, sharing contact details when both agree, answering check-ins (with an
optional note) and ending the buddy time. Every button checks on the server that the match or
check-in is the presser's own."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BuddyMatch, BuddyRequest, CheckIn, User, utcnow
from bot.domain.buddies.rhythm import Rhythm
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import buddies as programme
from bot.services import buddy_matches as service
from bot.telegram import buddy_screens, screens
from bot.telegram.callbacks import BuddyAction, CheckInAnswer, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen


class BuddyChat(StatesGroup):
    text = State()  # a message to the other side of match `match`


class CheckInNote(StatesGroup):
    text = State()  # a note to check-in `checkin`


def _first_name(event: Message | CallbackQuery) -> str:
    return event.from_user.first_name if event.from_user is not None else ""


async def my_buddy(
    query: CallbackQuery, session: AsyncSession, user: User | None, role: Role | None
) -> None:
    """The person's running matches, or where they stand without one."""
    await query.answer()
    if user is None:
        return
    seats = await service.seats(session, user)
    if seats:
        lines = [
            (
                seat.match,
                seat.other_name,
                seat.match.buddy_shares_contact
                if seat.side == "buddy"
                else seat.match.family_shares_contact,
            )
            for seat in seats
        ]
        await send_screen(query, buddy_screens.my_matches(lines))
        return
    if role is Role.BUDDY:
        profile = await programme.profile_of(session, user)
        await send_screen(
            query, buddy_screens.volunteer_status(profile.status if profile else None)
        )
        return
    waiting = await session.execute(
        select(BuddyRequest.id).where(
            BuddyRequest.user_id == user.id, BuddyRequest.status.in_(("waiting", "proposed"))
        )
    )
    await send_screen(query, buddy_screens.no_buddy_yet(waiting.first() is not None))


async def _own_seat(
    query: CallbackQuery, session: AsyncSession, user: User | None, match_id: int
) -> service.Seat | None:
    match = await session.get(BuddyMatch, match_id)
    seat = await service.seat_of(session, match, user) if match and user else None
    if seat is None:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
    return seat


async def buddy_action(
    query: CallbackQuery,
    callback_data: BuddyAction,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
) -> None:
    seat = await _own_seat(query, session, user, callback_data.match)
    if seat is None:
        return
    if seat.match.status != "active":
        await query.answer(for_reader(screens.stale_button()))
        return
    await query.answer()
    act = callback_data.act
    if act == "w":
        await state.set_state(BuddyChat.text)
        await state.update_data(match=seat.match.id)
        await send_screen(query, screens.Screen(buddy_screens.write_prompt(seat.other_name)))
    elif act == "c":
        if not await service.share_contact(session, seat, utcnow()):
            await send_screen(query, screens.Screen(buddy_screens.contact_waiting(seat.other_name)))
    elif act == "e":
        await send_screen(query, buddy_screens.end_question(seat.match, seat.other_name))
    elif act == "ey":
        await service.close(session, seat.match, seat.side, utcnow())
        if isinstance(query.message, Message):  # the goodbye and the survey follow
            await query.message.edit_reply_markup(reply_markup=None)
    elif act in ("en", "g"):
        await edit_or_send(query, screens.Screen(buddy_screens.going_on()))


async def message_written(
    message: Message, session: AsyncSession, state: FSMContext, user: User | None
) -> None:
    text = (message.text or "").strip()
    if len(text) > service.MAX_RELAYED:  # the question stays open for a shorter one
        await send_screen(message, screens.Screen(buddy_screens.too_long(len(text))))
        return
    data = await state.get_data()
    await state.clear()
    match = await session.get(BuddyMatch, int(data.get("match", 0)))
    seat = await service.seat_of(session, match, user) if match and user else None
    if seat is None or seat.match.status != "active":
        await send_screen(message, screens.Screen(screens.stale_button()))
        return
    await service.relay(session, seat, text, _first_name(message), message.message_id, utcnow())
    await send_screen(message, screens.Screen(buddy_screens.relay_sent(seat.other_name)))


async def not_text(message: Message) -> None:
    """A photo or sticker while a message or note is expected: only text is passed on."""
    await send_screen(message, screens.Screen(buddy_screens.text_only()))


async def checkin_answered(
    query: CallbackQuery,
    callback_data: CheckInAnswer,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    rhythm: Rhythm,
) -> None:
    checkin = await session.get(CheckIn, callback_data.checkin)
    if checkin is None or user is None:
        await query.answer(for_reader(screens.stale_button()))
        return
    if callback_data.answer == "note":
        match = await session.get(BuddyMatch, checkin.match_id)
        if match is None or service.side_of(match, user) != checkin.who:
            await query.answer(for_reader(screens.not_for_you()), show_alert=True)
            return
        await query.answer()
        await state.set_state(CheckInNote.text)
        await state.update_data(checkin=checkin.id)
        await send_screen(query, screens.Screen(buddy_screens.note_prompt()))
        return
    try:
        alerted = await service.answer(
            session, checkin, user, callback_data.answer, utcnow(), rhythm
        )
    except service.NotYours:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    except ValueError:
        await query.answer(for_reader(screens.stale_button()))
        return
    await query.answer()
    await edit_or_send(
        query, buddy_screens.checkin_thanks(checkin.id, callback_data.answer, alerted)
    )


async def note_written(
    message: Message, session: AsyncSession, state: FSMContext, user: User | None
) -> None:
    text = (message.text or "").strip()
    if len(text) > service.MAX_RELAYED:  # the question stays open for a shorter one
        await send_screen(message, screens.Screen(buddy_screens.too_long(len(text))))
        return
    data = await state.get_data()
    await state.clear()
    checkin = await session.get(CheckIn, int(data.get("checkin", 0)))
    match = await session.get(BuddyMatch, checkin.match_id) if checkin else None
    if (
        checkin is None
        or match is None
        or user is None
        or service.side_of(match, user) != checkin.who
    ):
        await send_screen(message, screens.Screen(screens.stale_button()))
        return
    await service.add_note(session, checkin, text)
    await send_screen(message, screens.Screen(buddy_screens.note_saved()))


def build_router() -> Router:
    router = Router(name="buddies")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(my_buddy, MenuAction.filter(F.entry == "buddy"))
    router.callback_query.register(buddy_action, BuddyAction.filter())
    router.callback_query.register(checkin_answered, CheckInAnswer.filter())
    router.message.register(
        message_written, StateFilter(BuddyChat.text), Magic(F.text), Magic(~F.text.startswith("/"))
    )
    router.message.register(
        note_written, StateFilter(CheckInNote.text), Magic(F.text), Magic(~F.text.startswith("/"))
    )
    router.message.register(not_text, StateFilter(BuddyChat.text, CheckInNote.text), Magic(~F.text))
    return router

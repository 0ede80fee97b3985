"""Clubs in the chat: the list, a club's page, joining (or the waiting list), leaving, the
calendar file, reminders on or off, answers under reminders; for the leader and coordinators,
who is coming and cancelling or moving a meeting (members are told at once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import Club, Membership, User, utcnow
from bot.domain.clubs.calendar import club_calendar
from bot.domain.clubs.distance import kilometres
from bot.domain.clubs.schedule import full_key
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import audit
from bot.services import clubs as service
from bot.telegram import club_screens, screens
from bot.telegram.callbacks import ClubAction, ClubAnswer, ClubOpen, MeetingPick, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import answer_stale, edit_or_send, send_screen


class MoveMeeting(StatesGroup):
    new_time = State()


class EditClub(StatesGroup):
    value = State()


def _can_manage(club: Club, user: User, role: Role | None) -> bool:
    """Coordinators manage every club; a leader manages their own."""
    return role is Role.COORDINATOR or club.leader_id == user.id


async def _club(session: AsyncSession, club_id: int) -> Club | None:
    club = await session.get(Club, club_id)
    return club if club is not None and club.active else None


async def _show_list(
    target: Message | CallbackQuery, session: AsyncSession, user: User, role: Role | None
) -> None:
    mine = {club.id for club, _ in await service.members_and_waiting(session, user)}
    clubs = await service.clubs_for(session, user)
    screen = club_screens.club_list(
        [(club, club.id in mine) for club in clubs], user, can_create=role is Role.COORDINATOR
    )
    if isinstance(target, CallbackQuery):
        await edit_or_send(target, screen)
    else:
        await send_screen(target, screen)


async def _show_page(
    query: CallbackQuery, session: AsyncSession, club: Club, user: User, role: Role | None
) -> None:
    current = await service.view(session, club, user)
    meetings = await service.upcoming(session, club, utcnow())
    screen = club_screens.club_page(current, user, meetings, _can_manage(club, user, role))
    await edit_or_send(query, screen)


async def open_clubs(
    query: CallbackQuery, session: AsyncSession, user: User, role: Role | None
) -> None:
    await query.answer()
    await _show_list(query, session, user, role)


async def club_opened(
    query: CallbackQuery,
    callback_data: ClubOpen,
    session: AsyncSession,
    settings: Settings,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is None:
        await answer_stale(query, user, role, settings)
        return
    await query.answer()
    if callback_data.club == 0:
        await _show_list(query, session, user, role)
        return
    club = await _club(session, callback_data.club)
    if club is None:
        await _show_list(query, session, user, role)
        return
    await _show_page(query, session, club, user, role)


async def club_action(
    query: CallbackQuery,
    callback_data: ClubAction,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is None:
        await answer_stale(query, user, role, settings)
        return
    if callback_data.act == "near":
        await query.answer()
        await send_screen(query, club_screens.ask_location())
        return
    club = await _club(session, callback_data.club)
    if club is None:
        await query.answer(for_reader(screens.stale_button()))
        await _show_list(query, session, user, role)
        return
    act = callback_data.act
    managing = ("who", "cancel", "move", "edit", "close", "close_yes")
    if (act in managing or act.startswith("edit_")) and not _can_manage(club, user, role):
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    now = utcnow()
    if act == "join":
        name = query.from_user.first_name if query.from_user else ""
        status = await service.join(session, club, user, name[:64])
        await query.answer(for_reader(club_screens.joined(status, club, user)), show_alert=True)
    elif act == "leave":
        await service.leave(session, club, user, now)
        await query.answer(for_reader(club_screens.left(club, user)), show_alert=True)
    elif act in ("on", "off"):
        if await service.set_reminders(session, club, user, act == "on"):
            await query.answer(for_reader(club_screens.reminders_set(act == "on")))
        else:
            await query.answer(for_reader(screens.stale_button()))
    elif act == "cal":
        await query.answer()
        await _send_calendar(query, session, club, user)
        return
    elif act == "map" and club.latitude is not None and club.longitude is not None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer_venue(
                latitude=club.latitude,
                longitude=club.longitude,
                title=club_screens.club_name(club, user),
                address=club.address,
            )
        return
    elif act == "who":
        await query.answer()
        meetings = await service.upcoming(session, club, now, count=1)
        next_one = meetings[0] if meetings else None
        people = await service.attendance(session, club, next_one.key if next_one else "")
        text = club_screens.who_is_coming(club, user, next_one, people)
        await send_screen(query, screens.Screen(text))
        return
    elif act == "edit":
        await query.answer()
        await edit_or_send(query, club_screens.edit_menu(club, user))
        return
    elif act.startswith("edit_") and act.removeprefix("edit_") in club_screens.EDITABLE:
        await query.answer()
        await state.set_state(EditClub.value)
        await state.update_data(club=club.id, field=act.removeprefix("edit_"))
        await send_screen(
            query, screens.Screen(club_screens.ask_new_value(act.removeprefix("edit_")))
        )
        return
    elif act == "close":
        await query.answer()
        await edit_or_send(query, club_screens.confirm_close(club, user))
        return
    elif act == "close_yes":
        club.active = False
        audit.record(session, user, "club_closed", f"club {club.id}")
        await query.answer()
        await edit_or_send(query, screens.Screen(club_screens.closed(club, user)))
        return
    elif act in ("cancel", "move"):
        await query.answer()
        meetings = await service.upcoming(session, club, now, count=6)
        screen = club_screens.pick_meeting(club, user, meetings, "c" if act == "cancel" else "m")
        await edit_or_send(query, screen)
        return
    else:
        await query.answer(for_reader(screens.stale_button()))
    await _show_page(query, session, club, user, role)


async def _send_calendar(
    query: CallbackQuery, session: AsyncSession, club: Club, user: User
) -> None:
    schedule = service.schedule_of(club, await service.changes_of(session, club.id))
    name = club_screens.club_name(club, user)
    content = club_calendar(club.id, name, club.address, schedule, utcnow())
    if isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(content, filename=f"club-{club.id}.ics"),
            caption=for_reader(club_screens.calendar_caption()),
        )


async def meeting_answered(
    query: CallbackQuery,
    callback_data: ClubAnswer,
    session: AsyncSession,
    settings: Settings,
    user: User | None,
    role: Role | None,
) -> None:
    """'I'm coming' / 'I can't come' under a reminder."""
    if user is None or role is None:
        await answer_stale(query, user, role, settings)
        return
    club = await _club(session, callback_data.club)
    current = await service.view(session, club, user) if club is not None else None
    key = full_key(callback_data.key)
    found = await service.meeting(session, club, key) if club is not None else None
    if (
        club is None
        or current is None
        or current.mine is None
        or current.mine.status != "member"
        or found is None
        or found.cancelled
        or found.ends_at < utcnow()
    ):
        await query.answer(for_reader(screens.stale_button()), show_alert=True)
        return
    await service.answer(session, club, user, key, callback_data.yes)
    await query.answer(for_reader(club_screens.answer_noted(callback_data.yes)))
    if isinstance(query.message, Message) and query.message.text:
        mark = club_screens.answer_mark(callback_data.yes)
        base = query.message.text.split("\n\n✓ ")[0]
        await query.message.edit_text(
            base + "\n\n" + for_reader(mark), reply_markup=query.message.reply_markup
        )


async def meeting_picked(
    query: CallbackQuery,
    callback_data: MeetingPick,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    """A coordinator or leader picked a meeting to cancel or move, or confirmed a cancel."""
    if user is None or role is None:
        await answer_stale(query, user, role, settings)
        return
    club = await _club(session, callback_data.club)
    if club is None or not _can_manage(club, user, role):
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    key = full_key(callback_data.key)
    found = await service.meeting(session, club, key)
    if found is None or found.cancelled or found.starts_at < utcnow():
        await query.answer(for_reader(screens.stale_button()), show_alert=True)
        return
    await query.answer()
    members = await _member_count(session, club)
    if callback_data.act == "c":
        await edit_or_send(query, club_screens.confirm_cancel(club, user, found, members))
    elif callback_data.act == "y":
        await service.change_meeting(session, club, key, utcnow())
        audit.record(session, user, "meeting_cancelled", f"club {club.id}", meeting=key)
        await edit_or_send(query, screens.Screen(club_screens.meeting_changed(True, members)))
    elif callback_data.act == "m":
        await state.set_state(MoveMeeting.new_time)
        await state.update_data(club=club.id, key=key)
        await send_screen(query, screens.Screen(club_screens.ask_new_time(club, user, found)))


async def _managed_from_state(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    data: dict[str, Any],
    user: User | None,
    role: Role | None,
) -> Club | None:
    """The club a typed answer belongs to, if this user may still manage it."""
    club = await _club(session, int(data.get("club", 0)))
    if user is None or club is None or not _can_manage(club, user, role):
        await state.clear()
        await send_screen(message, screens.Screen(screens.not_for_you()))
        return None
    return club


async def new_time_written(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    """The new day and time of a meeting being moved."""
    data = await state.get_data()
    club = await _managed_from_state(message, session, state, data, user, role)
    if club is None or user is None:
        return
    try:
        new_start = datetime.strptime((message.text or "").strip(), "%Y-%m-%d %H:%M")
        await service.change_meeting(session, club, str(data["key"]), utcnow(), new_start)
        audit.record(
            session,
            user,
            "meeting_moved",
            f"club {club.id}",
            meeting=str(data["key"]),
            to=new_start.isoformat(),
        )
    except (ValueError, service.ClubError):
        await send_screen(message, screens.Screen(club_screens.bad_new_time()))
        return
    await state.clear()
    members = await _member_count(session, club)
    await send_screen(message, screens.Screen(club_screens.meeting_changed(False, members)))


async def value_written(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    """A new name, address or size for a club being edited."""
    data = await state.get_data()
    club = await _managed_from_state(message, session, state, data, user, role)
    if club is None or user is None:
        return
    field, text = str(data.get("field")), (message.text or "").strip()
    if field == "capacity":
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            await send_screen(message, screens.Screen(club_screens.wizard_not_a_number()))
            return
        club.capacity = int(text)
        await session.flush()
        while await service.promote(session, club, utcnow()) is not None:
            pass  # a bigger club lets those waiting in, longest waiting first
    elif not text or len(text) > 200:
        await send_screen(message, screens.Screen(club_screens.wizard_too_long()))
        return
    elif field == "name":
        club.name = {**club.name, user.language: text}
    else:
        club.address = text
    audit.record(session, user, "club_edited", f"club {club.id}", field=field, value=text)
    await state.clear()
    await send_screen(message, screens.Screen(club_screens.saved()))


async def location_shared(
    message: Message, session: AsyncSession, user: User | None, role: Role | None
) -> None:
    """A shared location: the clubs nearest first. The location is used once, never stored."""
    if user is None or role is None or message.location is None:
        await send_screen(message, screens.Screen(screens.not_understood_media()))
        return
    here = message.location
    if not await service.clubs_for(session, user):
        await send_screen(message, club_screens.club_list([], user))
        return
    mine = {club.id for club, _ in await service.members_and_waiting(session, user)}
    ranked = []
    for club in await service.clubs_for(session, user):
        km = None
        if club.latitude is not None and club.longitude is not None:
            km = kilometres(here.latitude, here.longitude, club.latitude, club.longitude)
        ranked.append((club, km, club.id in mine))
    ranked.sort(key=lambda item: (item[1] is None, item[1] or 0.0))
    await send_screen(message, club_screens.nearest_list(ranked, user))


async def _member_count(session: AsyncSession, club: Club) -> int:
    count = await session.execute(
        select(func.count()).where(Membership.club_id == club.id, Membership.status == "member")
    )
    return int(count.scalar_one())


def build_router() -> Router:
    router = Router(name="clubs")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(open_clubs, MenuAction.filter(F.entry == "clubs"))
    router.callback_query.register(club_opened, ClubOpen.filter())
    router.callback_query.register(club_action, ClubAction.filter())
    router.callback_query.register(meeting_answered, ClubAnswer.filter())
    router.callback_query.register(meeting_picked, MeetingPick.filter())
    router.message.register(location_shared, Magic(F.location))
    typed = Magic(~F.text.startswith("/"))
    router.message.register(
        new_time_written, StateFilter(MoveMeeting.new_time), Magic(F.text), typed
    )
    router.message.register(value_written, StateFilter(EditClub.value), Magic(F.text), typed)
    return router

"""The coordinator's club wizard: ten short steps (name, kind, address, languages, ages, size,
weekday, time, length and frequency, first meeting), a summary, and the club exists. Buttons
wherever a choice is known; typed answers are checked and asked again kindly. Every step checks
the role on the server side."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from babel.dates import format_date, get_day_names
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User, utcnow
from bot.domain.clubs.schedule import weekly_rule
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import audit
from bot.services import clubs as service
from bot.telegram import club_screens, screens
from bot.telegram.callbacks import WizardChoice
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen


class NewClub(StatesGroup):
    name = State()
    address = State()
    capacity = State()
    start = State()
    choosing = State()  # a step answered with buttons


def _day_names(language: str) -> list[str]:
    names = get_day_names("wide", locale=language)
    return [str(names[index]) for index in range(7)]


def _first_dates(weekday: int, language: str) -> list[tuple[str, str]]:
    today = utcnow().date()
    first = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    dates = [first + timedelta(weeks=week) for week in range(4)]
    return [(day.isoformat(), format_date(day, "full", locale=language)) for day in dates]


def _summary(data: dict[str, Any], user: User) -> list[str]:
    languages = ", ".join(SUPPORTED_LANGUAGES[c].native_name for c in data["languages"])
    every = club_screens.every_text(int(data["every"]))
    first = format_date(date.fromisoformat(data["first"]), "full", locale=user.language)
    return [
        f"🏠 {data['name']}",
        str(club_screens.KIND_NAMES[data["kind"]]),
        f"📍 {data['address']}",
        f"🗣 {languages}",
        f"👧 {data['ages'].replace('-', '–')}",
        f"👥 {data['capacity']}",
        f"🗓 {_day_names(user.language)[int(data['day'])]} {data['start']}, "
        f"{data['minutes']} min, {every}",
        f"▶ {first}",
    ]


async def start_wizard(query: CallbackQuery, state: FSMContext, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(NewClub.name)
    await send_screen(query, club_screens.wizard_name())


async def choice_made(
    query: CallbackQuery,
    callback_data: WizardChoice,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    field, value = callback_data.field, callback_data.value
    if field == "new":
        await start_wizard(query, state, role)
        return
    data = await state.get_data()
    if field == "stop" or (not data and field != "new"):
        await state.clear()
        await query.answer()
        await edit_or_send(query, screens.Screen(club_screens.wizard_stopped()))
        return
    await query.answer()
    if field == "kind" and value in club_screens.KIND_NAMES:
        await state.update_data(kind=value)
        await state.set_state(NewClub.address)
        await edit_or_send(query, club_screens.wizard_address())
    elif field == "lang" and value in SUPPORTED_LANGUAGES:
        chosen = list(data.get("languages", []))
        chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        await state.update_data(languages=chosen)
        await edit_or_send(query, club_screens.wizard_languages(chosen))
    elif field == "langs_done" and data.get("languages"):
        await edit_or_send(query, club_screens.wizard_ages())
    elif field == "ages" and value in club_screens.AGE_BANDS:
        await state.update_data(ages=value)
        await state.set_state(NewClub.capacity)
        await edit_or_send(query, club_screens.wizard_capacity())
    elif field == "day" and value.isdigit() and 0 <= int(value) <= 6:
        await state.update_data(day=int(value))
        await state.set_state(NewClub.start)
        await edit_or_send(query, club_screens.wizard_time())
    elif field == "len" and value.isdigit() and int(value) in club_screens.LENGTHS:
        await state.update_data(minutes=int(value))
        await edit_or_send(query, club_screens.wizard_frequency())
    elif field == "every" and value in ("1", "2"):
        await state.update_data(every=int(value))
        dates = _first_dates(int(data["day"]), user.language)
        await edit_or_send(query, club_screens.wizard_first(dates))
    elif field == "first":
        try:
            date.fromisoformat(value)
        except ValueError:
            return
        await state.update_data(first=value)
        data = await state.get_data()
        await edit_or_send(query, club_screens.wizard_summary(_summary(data, user)))
    elif field == "make" and {"name", "first", "every"} <= set(data):
        club = await _create(session, data, user)
        audit.record(session, user, "club_created", f"club {club.id}", name=club.name)
        await state.clear()
        await edit_or_send(
            query, screens.Screen(club_screens.wizard_created(club_screens.club_name(club, user)))
        )


async def _create(session: AsyncSession, data: dict[str, Any], user: User) -> Any:
    low, high = (int(part) for part in str(data["ages"]).split("-"))
    hours, minutes = (int(part) for part in str(data["start"]).split(":"))
    draft = service.ClubDraft(
        name={user.language: str(data["name"])},
        source_language=user.language,
        kind=str(data["kind"]),
        address=str(data["address"]),
        languages=list(data["languages"]),
        age_min=low,
        age_max=high,
        capacity=int(data["capacity"]),
        timezone=user.timezone,
        first_date=date.fromisoformat(str(data["first"])),
        start_time=time(hours, minutes),
        minutes=int(data["minutes"]),
        rule=weekly_rule(int(data["day"]), int(data["every"])),
        leader_id=user.id,
    )
    return await service.create_club(session, draft)


async def name_written(message: Message, state: FSMContext, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await state.clear()
        return
    text = (message.text or "").strip()
    if not text or len(text) > 200:
        await send_screen(message, screens.Screen(club_screens.wizard_too_long()))
        return
    await state.update_data(name=text)
    await state.set_state(NewClub.choosing)
    await send_screen(message, club_screens.wizard_kind())


async def address_written(message: Message, state: FSMContext, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await state.clear()
        return
    text = (message.text or "").strip()
    if not text or len(text) > 200:
        await send_screen(message, screens.Screen(club_screens.wizard_too_long()))
        return
    await state.update_data(address=text, languages=[])
    await state.set_state(NewClub.choosing)
    await send_screen(message, club_screens.wizard_languages([]))


async def capacity_written(
    message: Message, state: FSMContext, user: User | None, role: Role | None
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await state.clear()
        return
    text = (message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        await send_screen(message, screens.Screen(club_screens.wizard_not_a_number()))
        return
    await state.update_data(capacity=int(text))
    await state.set_state(NewClub.choosing)
    await send_screen(message, club_screens.wizard_weekday(_day_names(user.language)))


async def start_written(message: Message, state: FSMContext, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await state.clear()
        return
    text = (message.text or "").strip().replace(".", ":")
    try:
        start = time.fromisoformat(text if len(text) > 2 else f"{text}:00")
    except ValueError:
        await send_screen(message, screens.Screen(club_screens.wizard_not_a_time()))
        return
    await state.update_data(start=start.strftime("%H:%M"))
    await state.set_state(NewClub.choosing)
    await send_screen(message, club_screens.wizard_length())


def build_router() -> Router:
    router = Router(name="club_wizard")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(choice_made, WizardChoice.filter())
    typed = Magic(~F.text.startswith("/"))
    router.message.register(name_written, StateFilter(NewClub.name), Magic(F.text), typed)
    router.message.register(address_written, StateFilter(NewClub.address), Magic(F.text), typed)
    router.message.register(capacity_written, StateFilter(NewClub.capacity), Magic(F.text), typed)
    router.message.register(start_written, StateFilter(NewClub.start), Magic(F.text), typed)
    return router

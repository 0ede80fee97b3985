"""The coordinators' buddy programme in the chat: approve volunteers (noting the date a
criminal-record extract was seen where the role needs it), run the batch matching, decide
proposals or pick another candidate, match a waiting family by hand, and end a running match.
Every button checks the role on the server; a forged one gets a polite refusal. Every decision
goes to the audit log."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BuddyMatch, BuddyProfile, BuddyRequest, User, utcnow
from bot.domain.buddies.rhythm import Rhythm
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import audit, buddy_matches
from bot.services import buddies as service
from bot.telegram import buddy_admin_screens as views
from bot.telegram import screens
from bot.telegram.callbacks import BuddyAdmin, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y")


class RecordDate(StatesGroup):
    text = State()  # the day a volunteer's criminal-record extract was seen


def parse_day(text: str, today: date) -> date | None:
    """A date as coordinators write it (21.11.2026, 2026-11-21); None if not one or future."""
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        return day if day <= today else None
    return None


async def _counts(session: AsyncSession) -> views.Counts:
    async def count(model: type, where: ColumnElement[bool]) -> int:
        result = await session.execute(select(func.count()).select_from(model).where(where))
        return int(result.scalar_one())

    return views.Counts(
        to_approve=len(await service.to_approve(session)),
        waiting=await count(BuddyRequest, BuddyRequest.status == "waiting"),
        proposals=await count(BuddyMatch, BuddyMatch.status == "proposed"),
        running=await count(BuddyMatch, BuddyMatch.status == "active"),
    )


async def _pairs(session: AsyncSession, matches: list[BuddyMatch]) -> list[views.Pair]:
    pairs = []
    for match in matches:
        buddy, family = await buddy_matches.names(session, match)
        pairs.append((match, family or f"#{match.family_id}", buddy or f"#{match.buddy_id}"))
    return pairs


async def open_programme(query: CallbackQuery, session: AsyncSession, role: Role | None) -> None:
    if role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    await query.answer()
    await send_screen(query, views.overview(await _counts(session)))


async def _proposal_screen(session: AsyncSession, match: BuddyMatch) -> screens.Screen:
    family = await session.get(User, match.family_id)
    buddy_name, family_name = await buddy_matches.names(session, match)
    assert family is not None
    return views.proposal(match, family, family_name or f"#{family.id}", buddy_name)


async def _candidates_screen(session: AsyncSession, request: BuddyRequest) -> screens.Screen:
    family = await session.get(User, request.user_id)
    assert family is not None
    found = await service.candidates(session, request, family)
    named = []
    for candidate in found:
        profile = (
            await session.execute(
                select(BuddyProfile).where(BuddyProfile.user_id == candidate.volunteer_id)
            )
        ).scalar_one()
        named.append((candidate, profile.name or f"#{candidate.volunteer_id}"))
    name = request.name or f"#{family.id}"
    head = views.request_details(request, family, name)
    screen = views.candidates(request, name, named)
    return screens.Screen(head + "\n\n" + screen.text, screen.keyboard)


async def admin_action(
    query: CallbackQuery,
    callback_data: BuddyAdmin,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
    rhythm: Rhythm,
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    act, number, now = callback_data.act, callback_data.id, utcnow()
    shown = await _screen_for(session, state, user, act, number, callback_data.value, now, rhythm)
    if shown is None:
        await query.answer(for_reader(screens.stale_button()))
        shown = views.overview(await _counts(session))
    else:
        await query.answer()
    await edit_or_send(query, shown)


async def _screen_for(
    session: AsyncSession,
    state: FSMContext,
    user: User,
    act: str,
    number: int,
    value: str,
    now: datetime,
    rhythm: Rhythm,
) -> screens.Screen | None:
    """What one button does and shows; None when its object is gone or already decided."""
    if act == "o":
        return views.overview(await _counts(session))
    if act == "v":
        return views.volunteers(await service.to_approve(session))
    if act in ("vo", "va", "vt", "vd"):
        return await _volunteer_act(session, state, user, act, number, now)
    if act == "m":
        made = await service.propose_batch(session, now)
        audit.record(session, user, "buddy_batch", "buddy matching", proposals=len(made))
        left = await _counts(session)
        head = views.batch_result(len(made), left.waiting)
        return views.proposals(await _pairs(session, await service.proposals(session)), head)
    if act == "p":
        return views.proposals(await _pairs(session, await service.proposals(session)))
    if act == "f":
        waiting = [
            (request, request.name or f"#{family.id}")
            for request, family in await service.waiting_requests(session)
        ]
        return views.waiting_families(waiting, user)
    if act == "fo":
        request = await session.get(BuddyRequest, number)
        if request is None or request.status not in ("waiting", "proposed"):
            return None
        return await _candidates_screen(session, request)
    if act in ("po", "py", "pn", "pc"):
        return await _proposal_act(session, user, act, number, now, rhythm)
    if act == "pk":
        return await _pick(session, user, number, value, now)
    if act == "a":
        return views.running(await _pairs(session, await buddy_matches.active(session)), user)
    if act in ("ao", "ax", "axy"):
        match = await session.get(BuddyMatch, number)
        if match is None or match.status != "active":
            return None
        if act == "ax":
            return views.end_question(match)
        if act == "axy":
            await buddy_matches.close(session, match, "coordinator", now)
            audit.record(session, user, "buddy_match_closed", f"match {match.id}")
            return views.ended()
        buddy, family = await buddy_matches.names(session, match)
        checkins = await buddy_matches.recent_checkins(session, match)
        return views.match_details(match, family, buddy, checkins, user)
    return None


async def _volunteer_act(
    session: AsyncSession, state: FSMContext, user: User, act: str, number: int, now: datetime
) -> screens.Screen | None:
    profile = await session.get(BuddyProfile, number)
    if profile is None or profile.status != "ready":
        return None
    if act == "vo":
        return views.volunteer(profile, user)
    if act == "vd":
        await state.set_state(RecordDate.text)
        await state.update_data(profile=profile.id)
        return screens.Screen(views.ask_record_date())
    seen = now.date() if act == "vt" else None
    try:
        await service.approve_and_tell(session, profile, user, now, seen)
    except service.NotApprovable as refusal:
        return screens.Screen(views.not_approvable(str(refusal)))
    audit.record(session, user, "buddy_approved", f"volunteer {profile.user_id}")
    return views.approved(profile.name or f"#{profile.user_id}")


async def _proposal_act(
    session: AsyncSession, user: User, act: str, number: int, now: datetime, rhythm: Rhythm
) -> screens.Screen | None:
    match = await session.get(BuddyMatch, number)
    if match is None or match.status != "proposed":
        return None
    if act == "po":
        return await _proposal_screen(session, match)
    if act == "pc":
        request = await session.get(BuddyRequest, match.request_id)
        return await _candidates_screen(session, request) if request is not None else None
    approve_it = act == "py"
    if not await service.decide(session, match, user, approve_it, now, rhythm):
        return None
    audit.record(
        session,
        user,
        "buddy_match_approved" if approve_it else "buddy_match_rejected",
        f"match {match.id}",
    )
    buddy, family = await buddy_matches.names(session, match)
    return views.decided(approve_it, family, buddy)


async def _pick(
    session: AsyncSession, user: User, request_id: int, value: str, now: datetime
) -> screens.Screen | None:
    """A coordinator chose a buddy for a family (another candidate, or a match by hand)."""
    request = await session.get(BuddyRequest, request_id)
    family = await session.get(User, request.user_id) if request is not None else None
    if request is None or family is None or request.status not in ("waiting", "proposed"):
        return None
    chosen = next(
        (
            c
            for c in await service.candidates(session, request, family)
            if str(c.volunteer_id) == value
        ),
        None,
    )
    if chosen is None:
        return None  # no longer fits (approved elsewhere, paused, or full)
    match = await service.propose_pair(session, request, chosen, now)
    audit.record(
        session, user, "buddy_match_picked", f"match {match.id}", buddy=chosen.volunteer_id
    )
    return await _proposal_screen(session, match)


async def record_date_written(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    user: User | None,
    role: Role | None,
) -> None:
    data = await state.get_data()
    profile = await session.get(BuddyProfile, int(data.get("profile", 0)))
    if user is None or role is not Role.COORDINATOR or profile is None:
        await state.clear()
        await send_screen(message, screens.Screen(screens.not_for_you()))
        return
    now = utcnow()
    day = parse_day(message.text or "", now.date())
    if day is None:
        await send_screen(message, screens.Screen(views.bad_date()))
        return  # the question stays open
    await state.clear()
    if profile.status != "ready":
        await send_screen(message, screens.Screen(screens.stale_button()))
        return
    await service.approve_and_tell(session, profile, user, now, day)
    audit.record(session, user, "buddy_approved", f"volunteer {profile.user_id}")
    await send_screen(message, views.approved(profile.name or f"#{profile.user_id}"))


def build_router() -> Router:
    router = Router(name="buddy_admin")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(open_programme, MenuAction.filter(F.entry == "buddies"))
    router.callback_query.register(admin_action, BuddyAdmin.filter())
    router.message.register(
        record_date_written,
        StateFilter(RecordDate.text),
        Magic(F.text),
        Magic(~F.text.startswith("/")),
    )
    return router

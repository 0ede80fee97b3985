"""Messages of the buddy programme from the outbox: the approval, introductions, relayed
messages, contact details, check-in questions, the offer to close and the end. Each is
rendered when sent, from the match as it is then: nothing goes out about a match that ended
in the meantime (except the end itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BuddyMatch, BuddyProfile, BuddyRequest, CheckIn, User, as_utc
from bot.delivery.render import Rendered, Skip, renderer
from bot.services import buddy_matches
from bot.telegram import buddy_screens
from bot.telegram.screens import Screen

Loaded = tuple[BuddyMatch, buddy_matches.Seat]


def _shown(screen: Screen) -> Rendered:
    keyboard = screen.keyboard if isinstance(screen.keyboard, InlineKeyboardMarkup) else None
    return Rendered(screen.text, keyboard)


async def _seat(
    session: AsyncSession, user: User, payload: dict[str, Any], running: bool = True
) -> Loaded | Skip:
    match = await session.get(BuddyMatch, int(payload.get("match", 0)))
    if match is None:
        return Skip("the match is gone")
    if running and match.status != "active":
        return Skip(f"the match is {match.status}")
    seat = await buddy_matches.seat_of(session, match, user)
    if seat is None:
        return Skip("not a side of this match")
    return match, seat


@renderer("buddy_approved")
async def approved(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    return Rendered(buddy_screens.approved())


@renderer("buddy_intro")
async def introduction(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    loaded = await _seat(session, user, payload)
    if isinstance(loaded, Skip):
        return loaded
    match, seat = loaded
    profile = (
        await session.execute(select(BuddyProfile).where(BuddyProfile.user_id == match.buddy_id))
    ).scalar_one_or_none()
    request = await session.get(BuddyRequest, match.request_id)
    if profile is None or request is None:
        return Skip("the sign-up or the request is gone")
    if seat.side == "family":
        language = next(
            (r.get("value") for r in match.reasons if r.get("code") == "language"), None
        )
        screen = buddy_screens.introduction_to_family(match, profile, request, language)
    else:
        screen = buddy_screens.introduction_to_buddy(match, profile, request, seat.other.language)
    return _shown(screen)


@renderer("buddy_relay")
async def relayed(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    loaded = await _seat(session, user, payload)
    if isinstance(loaded, Skip):
        return loaded
    match, seat = loaded
    text = str(payload.get("text") or "").strip()
    if not text:
        return Skip("an empty message")
    name = str(payload.get("name") or "") or seat.other_name
    screen = buddy_screens.relayed(match, name, seat.side == "family", text)
    return _shown(screen)


@renderer("buddy_contact")
async def contact(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    loaded = await _seat(session, user, payload)
    if isinstance(loaded, Skip):
        return loaded
    _match, seat = loaded
    screen = buddy_screens.contact_shared(seat.other.telegram_id, seat.other_name)
    return _shown(screen)


async def _checkin(session: AsyncSession, user: User, payload: dict[str, Any]) -> Rendered | Skip:
    loaded = await _seat(session, user, payload)
    if isinstance(loaded, Skip):
        return loaded
    _match, seat = loaded
    checkin = await session.get(CheckIn, int(payload.get("checkin", 0)))
    if checkin is None or checkin.who != seat.side:
        return Skip("the check-in is gone")
    if checkin.answer is not None:
        return Skip("answered already")
    screen = buddy_screens.checkin_question(checkin.id, checkin.who, seat.other_name)
    return _shown(screen)


@renderer("buddy_checkin")
async def buddy_checkin(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    return await _checkin(session, user, payload)


@renderer("family_checkin")
async def family_checkin(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    return await _checkin(session, user, payload)


@renderer("buddy_close_offer")
async def close_offer(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    loaded = await _seat(session, user, payload)
    if isinstance(loaded, Skip):
        return loaded
    match, seat = loaded
    started = as_utc(match.decided_at or match.proposed_at)
    months = max(1, round((now - started).days / 30.44))
    screen = buddy_screens.close_offer(match, seat.other_name, months)
    return _shown(screen)


@renderer("buddy_closed")
async def closed(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    loaded = await _seat(session, user, payload, running=False)
    if isinstance(loaded, Skip):
        return loaded
    _match, seat = loaded
    by_me = payload.get("by") == seat.side
    screen = buddy_screens.closed(seat.other_name, by_me, seat.side == "family")
    return _shown(screen)

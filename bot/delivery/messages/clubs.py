"""Club messages from the outbox: reminders (with 'I'm coming' / 'I can't come'), meetings
cancelled or moved, and a place freed from the waiting list. Each checks at sending time that
it still holds: no reminder for a meeting cancelled or moved since, or for someone who left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Club, User
from bot.delivery.render import Rendered, Skip, renderer
from bot.services import clubs as service
from bot.telegram import club_screens


async def _club_and_membership(
    session: AsyncSession, user: User, payload: dict[str, Any]
) -> tuple[Club, service.ClubView] | Skip:
    club = await session.get(Club, int(payload.get("club_id", 0)))
    if club is None or not club.active:
        return Skip("the club is gone")
    current = await service.view(session, club, user)
    if current.mine is None or current.mine.status != "member":
        return Skip("no longer a member")
    return club, current


@renderer("reminder")
async def reminder(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    found = await _club_and_membership(session, user, payload)
    if isinstance(found, Skip):
        return found
    club, current = found
    if current.mine is None or not current.mine.reminders:
        return Skip("reminders turned off")
    meeting = await service.meeting(session, club, str(payload.get("key")))
    if meeting is None or meeting.cancelled:
        return Skip("the meeting was cancelled")
    if meeting.starts_at.isoformat() != payload.get("starts_at"):
        return Skip("the meeting was moved; its own reminders follow")
    screen = club_screens.reminder(club, user, meeting)
    keyboard = screen.keyboard if isinstance(screen.keyboard, InlineKeyboardMarkup) else None
    return Rendered(screen.text, keyboard)


@renderer("meeting_change")
async def meeting_change(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    found = await _club_and_membership(session, user, payload)
    if isinstance(found, Skip):
        return found
    club, _ = found
    was = datetime.fromisoformat(str(payload["was"]))
    moved_to = datetime.fromisoformat(str(payload["now"]))
    note = payload.get("note")
    if payload.get("change") == "cancel":
        return Rendered(club_screens.meeting_cancelled(club, user, was, note))
    if payload.get("change") == "add":
        return Rendered(club_screens.meeting_added(club, user, moved_to, note))
    return Rendered(club_screens.meeting_moved(club, user, was, moved_to, note))


@renderer("club_place")
async def club_place(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    found = await _club_and_membership(session, user, payload)
    if isinstance(found, Skip):
        return found
    club, _ = found
    meetings = await service.upcoming(session, club, now, count=1)
    return Rendered(club_screens.place_free(club, user, meetings[0] if meetings else None))

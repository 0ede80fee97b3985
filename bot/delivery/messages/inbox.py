"""Messages of the inbox from the outbox: a coordinator's answer to a person, and the daily
reminder to coordinators of requests waiting too long."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.delivery.render import Rendered, Skip, renderer
from bot.telegram import inbox_screens


@renderer("handoff_reply")
async def handoff_reply(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    text = str(payload.get("text") or "").strip()
    if not text:
        return Skip("an empty answer")
    return Rendered(inbox_screens.from_programme(text))


@renderer("inbox_reminder")
async def inbox_reminder(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    return Rendered(inbox_screens.waiting_reminder(int(payload.get("count", 0))))


@renderer("request_reply")
async def request_reply(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    text = str(payload.get("text") or "").strip()
    if not text:
        return Skip("an empty reply")
    return Rendered(
        inbox_screens.person_wrote_again(
            str(payload.get("name") or ""), int(payload.get("request", 0)), text
        )
    )

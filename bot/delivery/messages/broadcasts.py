"""An announcement from the outbox, in the reader's language of the moment it is sent (or the
version they get instead), unless it was stopped or the reader turned announcements off since;
and the note to its author when delivery has ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Broadcast, User
from bot.delivery.render import Rendered, Skip, renderer
from bot.domain.audiences import version_for
from bot.telegram import broadcast_screens


@renderer("broadcast")
async def broadcast(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    item = await session.get(Broadcast, int(payload.get("broadcast", 0)))
    if item is None:
        return Skip("the announcement no longer exists")
    if item.status == "cancelled":
        return Skip("the coordinator stopped the announcement")
    if user.muted_at is not None:
        return Skip("the reader turned announcements off")
    texts = item.texts or {}
    text = texts.get(version_for(user.language, texts, item.source_language or "en"), "")
    if not text:
        return Skip("the announcement has no text")
    return Rendered(broadcast_screens.announcement(text, item.urgent))


@renderer("broadcast_finished")
async def broadcast_finished(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    item = await session.get(Broadcast, int(payload.get("broadcast", 0)))
    if item is None:
        return Skip("the announcement no longer exists")
    return Rendered(broadcast_screens.finished_note(item, int(payload.get("delivered", 0))))

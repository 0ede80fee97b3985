"""Follow-ups a guide promised ("Shall I remind you about this in 3 days?"), in the reader's
language of the day they are sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.delivery.render import Rendered, Skip, renderer


@renderer("followup")
async def followup(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    text = payload.get("text")
    if not isinstance(text, str) or not text:
        return Skip("a follow-up without text")
    return Rendered("🔔 " + _(text))

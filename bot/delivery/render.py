"""What an outbox row says, decided when it is sent: in the recipient's language of that moment,
from the facts of that moment (a meeting cancelled since a reminder was planned is not
reminded of). Features register one renderer per payload `kind`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User


@dataclass(frozen=True)
class Rendered:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Skip:
    """Not worth sending any more; the reason is recorded on the row."""

    reason: str


Renderer = Callable[[AsyncSession, User, dict[str, Any], datetime], Awaitable[Rendered | Skip]]
_RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a payload kind (at import time)."""

    def register(function: Renderer) -> Renderer:
        if kind in _RENDERERS:
            raise ValueError(f"a renderer for {kind!r} exists already")
        _RENDERERS[kind] = function
        return function

    return register


async def render(
    session: AsyncSession, user: User, payload: dict[str, Any], now: datetime
) -> Rendered | Skip:
    function = _RENDERERS.get(str(payload.get("kind")))
    if function is None:
        return Skip(f"no renderer for {payload.get('kind')!r}")
    return await function(session, user, payload, now)

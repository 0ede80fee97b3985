"""One structured log line per update: what kind, how it ended, how long it took. No text."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

log = structlog.get_logger("silta.update")


class UpdateLogMiddleware(BaseMiddleware):
    """Log the update id, its type and the outcome; never the user's words."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started = time.perf_counter()
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        update_id = event.update_id if isinstance(event, Update) else None
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "handled"
            return result
        finally:
            log.info(
                "update",
                update_id=update_id,
                kind=kind,
                outcome=outcome,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )

"""Magic filters (`F.text`, `~F.text.startswith("/")`) checked in the event loop.

aiogram runs every filter that is not a coroutine through `asyncio.to_thread`, magic filters
included: a hop to a worker thread and back for each check, several for every message that
passes the routers (profiling bench/interactive.py showed it). `Magic(F.text)` checks the same
rule inline; a test keeps every router free of filters that would hop.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    """A magic filter as an async aiogram filter (same result, no thread)."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        result = self.magic.resolve(event)
        return result if isinstance(result, dict) else bool(result)

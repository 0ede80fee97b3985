"""aiogram's aiohttp session, keeping alive the response types it has parsed.

aiogram reads every Bot API answer as `Response[<the method's result type>]`, a pydantic
generic class that pydantic caches only weakly. Such a class lives in reference cycles, so the
next garbage collection frees it and the next call builds it again, which takes about 20 ms.
A bot with a database makes garbage quickly: profiling bench/interactive.py showed a rebuild
every three updates, a third of the CPU Silta spent per update. Keeping a strong reference to
each type once built makes pydantic's cache hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class KeepingSession(AiohttpSession):
    """An AiohttpSession whose parsed response types stay built (see the module's docstring)."""

    _kept: ClassVar[dict[Any, type[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

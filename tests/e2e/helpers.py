"""Small helpers for the end-to-end tests: translations to compare with, waiting for the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import PROJECT_ROOT
from bot.db.models import User
from bot.db.users import UserRepository
from bot.i18n.core import SiltaI18n
from tests.conftest import RunningBot

I18N = SiltaI18n(path=PROJECT_ROOT / "locales")


def tr(message: str, locale: str) -> str:
    """The catalog's translation of a source message (what the bot should say)."""
    return I18N.gettext(message, locale=locale)


async def open_guide(chat: Any, language: str, title: str, first_message: str) -> None:
    """From the main menu: Guides, then the guide `title`, until its first message shows."""
    await chat.press(tr("Guides", language))
    await chat.wait_for(lambda c: tr(title, language) in c.buttons(), what=f"the guide {title!r}")
    await chat.press(tr(title, language))
    await chat.expect(tr(first_message, language))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` is true: the bot commits after it has answered."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def wait_for_user(bot: RunningBot, telegram_id: int, **expected: object) -> User:
    """Wait until the stored user has these attribute values (the bot commits after answering)."""
    found: list[User] = []

    async def matches() -> bool:
        user = await load_user(bot, telegram_id)
        if user is None or any(getattr(user, key) != value for key, value in expected.items()):
            return False
        found.append(user)
        return True

    await eventually(matches)
    return found[-1]


async def load_user(bot: RunningBot, telegram_id: int) -> User | None:
    assert bot.app is not None
    async with bot.app.session_factory() as session:
        return await UserRepository(session).get(telegram_id)

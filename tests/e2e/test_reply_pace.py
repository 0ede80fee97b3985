"""Interactive replies never wait for the outbox's pace."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.simulator.server import SimulatorServer
from tests.conftest import RunningBot, make_settings
from tests.e2e.helpers import tr


@pytest.fixture
async def slow_paced_bot(simulator: SimulatorServer, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """A bot whose outbox may send one message every ten seconds."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        f"http://127.0.0.1:{simulator.port}",
        send_rate=0.1,
    )
    bot = RunningBot(settings)
    await bot.start()
    yield bot
    await bot.stop()


async def test_a_reply_does_not_wait_for_the_pace(slow_paced_bot: RunningBot, join: Any) -> None:
    assert slow_paced_bot.app is not None
    pace = slow_paced_bot.app.sender.limits.overall
    pace.take()  # the outbox's next place is ten seconds away
    chat = await join(61, "fi", "Aino")
    started = time.monotonic()
    await chat.send("/start")
    await chat.expect(tr("Which language should I use? Tap your language.", "fi"))
    assert time.monotonic() - started < 5, "the reply did not wait ten seconds for the pace"

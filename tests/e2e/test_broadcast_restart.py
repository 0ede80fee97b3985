"""An announcement survives the bot being stopped in the middle: `silta run` as a real
process, stopped (SIGTERM, as a service manager does) or killed (SIGKILL, as a crash) while it
sends to 300 parents, then started again. Nothing is sent twice, and nothing is lost: after a
clean stop every parent gets it exactly once; after a kill only the calls that were under way
at that instant are in doubt, and the report says how many."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.session import create_session_factory
from bot.delivery import outbox
from bot.domain.flows.conversation_tests import plain
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.simulator.server import SimulatorServer
from tests.conftest import COORDINATOR_ID, TOKEN
from tests.e2e.announcements import EN, compose
from tests.e2e.helpers import tr
from tests.e2e.people import add_people
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_process import start_bot, stop_bot

PARENTS = range(23000, 23300)
WORKERS = 30  # the sender's workers at 30 messages a second: at most this many calls in flight


def parents_sends(simulator: SimulatorServer) -> Counter[int]:
    return Counter(chat for _, chat in simulator.world.sends if chat in PARENTS)


# A clean stop is the same on both databases (nothing is left mid-call); a crash is tried on
# both, as claiming and recovering differ between them.
@pytest.mark.parametrize(
    ("stop", "database_url"),
    [
        pytest.param(signal.SIGTERM, "sqlite", id="stopped-sqlite"),
        pytest.param(signal.SIGKILL, "sqlite", id="killed-sqlite"),
        pytest.param(
            signal.SIGKILL, "postgresql", id="killed-postgresql", marks=pytest.mark.postgres
        ),
    ],
    indirect=["database_url"],
)
async def test_a_restart_mid_announcement_loses_and_doubles_nothing(
    stop: signal.Signals,
    simulator: SimulatorServer,
    join: Any,
    database_url: str,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    world = simulator.world
    session_factory = create_session_factory(engine)
    await add_people(session_factory, simulator, list(PARENTS), list(SUPPORTED_LANGUAGES))
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "COORDINATOR_", "QUIET_"))
        },
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{simulator.port}",
        "DATABASE_URL": database_url,
        "COORDINATOR_IDS": str(COORDINATOR_ID),
        "QUIET_HOURS": "off",
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "bot.log"
    process = await start_bot(env, log_path)
    try:
        coordinator = await join(COORDINATOR_ID, EN, "Laura")
        await coordinator.send("/start")
        await coordinator.expect(tr("Which language should I use? Tap your language.", EN), 60)
        coordinator.messages.clear()
        await onboard(coordinator, EN, None)
        await compose(coordinator, skip=frozenset(SUPPORTED_LANGUAGES))
        world.send_limits = (30, 1)
        await coordinator.reply_after(lambda: coordinator.press("Send to 300 people"))
        for _ in range(600):
            if sum(parents_sends(simulator).values()) >= 100:
                break
            await asyncio.sleep(0.02)
        process.send_signal(stop)
        await asyncio.wait_for(process.wait(), 30)
        before_restart = sum(parents_sends(simulator).values())
        assert 100 <= before_restart < 300, "stopped in the middle of the announcement"

        process = await start_bot(env, log_path)
        done = tr("Announcement #{number} has finished: delivered to {count} of {total}.", EN)
        await coordinator.expect(done.split("{")[0], timeout=120)
    finally:
        if process.returncode is None:
            assert await stop_bot(process) == 0

    got = parents_sends(simulator)
    assert max(got.values()) == 1, "nobody got the announcement twice"
    assert world.limit_breaches == []
    async with session_factory() as session:
        counts = await outbox.counts(session, batch="broadcast:1")
    report = plain(
        next(m for m in coordinator.bot_messages() if "gone out" in m.get("text", ""))["text"]
    )
    if stop == signal.SIGTERM:
        assert counts == {"sent": 300}
        assert len(got) == 300, "after a clean stop everyone got it"
        assert plain("Delivered to 300 of 300 people.") in report
    else:
        assert set(counts) <= {"sent", "interrupted"} and sum(counts.values()) == 300
        in_doubt = counts.get("interrupted", 0)
        assert in_doubt <= WORKERS, "only the calls under way when it died are in doubt"
        assert counts["sent"] <= len(got) <= 300, "every row sent arrived, nothing else twice"
        if in_doubt:
            assert plain(f"In doubt (the bot stopped while sending): {in_doubt}") in report

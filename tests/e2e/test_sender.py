"""The outbox sender against the simulator over HTTP: within Telegram's limits (which the
simulator enforces like Telegram), through 429s, 5xx errors, dropped connections and blocked
users, with nothing lost and nothing sent twice; quiet hours and expiry; two senders at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import SiltaApp, build_app
from bot.db.models import OutboxMessage, User, utcnow
from bot.delivery import outbox
from bot.domain.flows.conversation_tests import plain
from bot.simulator.server import SimulatorServer
from bot.simulator.world import Fault
from tests.conftest import TOKEN, make_settings
from tests.e2e.helpers import tr
from tests.e2e.people import add_people, plan_follow_ups

TEXT = 'Did you contact the school or the education services? You can open the guide "Start school in Finland" again from the menu.'


NOON = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki: no quiet hours


def running_from(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and runs at real speed."""
    offset = start - utcnow()
    return lambda: utcnow() + offset


@pytest.fixture
async def app(simulator: SimulatorServer, database_url: str) -> AsyncIterator[SiltaApp]:
    """The bot's parts without polling or the scheduler: tests drive the sender themselves."""
    settings = make_settings(database_url, f"http://127.0.0.1:{simulator.port}", scheduler=False)
    silta = build_app(settings, TOKEN)
    silta.set_clock(running_from(NOON))
    await silta.prepare()
    yield silta
    await silta.close()


async def drain_all(app: SiltaApp, timeout: float = 60.0) -> None:
    """Drain until nothing is left to try (rows waiting for a retry are waited for)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await app.sender.drain()
        async with app.session_factory() as session:
            waiting = (
                (
                    await session.execute(
                        select(OutboxMessage.not_before).where(
                            OutboxMessage.status.in_(("pending", "claimed", "sending"))
                        )
                    )
                )
                .scalars()
                .all()
            )
        if not waiting:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{len(waiting)} rows still waiting"
        await asyncio.sleep(0.2)


def bot_texts(simulator: SimulatorServer, chat_id: int) -> list[str]:
    """What the bot wrote in a chat, as a reader sees it (direction marks aside)."""
    messages = simulator.world.chats[chat_id].messages.values()
    return [plain(m.get("text", "")) for m in messages if not m.get("outgoing")]


def received(simulator: SimulatorServer) -> Counter[int]:
    """Messages each chat got from the sender."""
    return Counter(
        params["chat_id"]
        for method, params in simulator.world.calls
        if method == "sendMessage" and params["chat_id"] in simulator.world.users
    )


async def statuses(app: SiltaApp) -> dict[str, int]:
    async with app.session_factory() as session:
        return await outbox.counts(session)


async def test_everyone_gets_one_message_in_their_language_through_failures(
    app: SiltaApp, simulator: SimulatorServer
) -> None:
    world = simulator.world
    world.send_limits = (30, 1)
    ids = list(range(7000, 7060))
    people = await add_people(app.session_factory, simulator, ids, ["fi", "ar", "so", "en"])
    await world.user_blocks(7013, True)  # 403 from Telegram: bot was blocked
    await plan_follow_ups(app.session_factory, people, TEXT, NOON - timedelta(minutes=1))
    world.faults += [
        Fault(status=429, method="sendMessage", retry_after=1, times=2),
        Fault(status=502, method="sendMessage", times=3),
        Fault(status=500, method="sendMessage", network=True),
    ]
    await drain_all(app)

    assert not world.faults, "every injected failure was met"
    for telegram_id, user in people.items():
        texts = bot_texts(simulator, telegram_id)
        expected = [] if telegram_id == 7013 else [plain("🔔 " + tr(TEXT, user.language))]
        assert texts == expected, f"{telegram_id} ({user.language})"
    assert world.limit_breaches == []
    assert await statuses(app) == {"sent": 59, "blocked": 1}
    async with app.session_factory() as session:
        blocked = (await session.execute(select(User).where(User.telegram_id == 7013))).scalar_one()
    assert blocked.is_active is False

"""The outbox sender against the simulator over HTTP: within Telegram's limits (which the
simulator enforces like Telegram), through 429s, 5xx errors, dropped connections and blocked
users, with nothing lost and nothing sent twice; quiet hours and expiry; two senders at once."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from time import monotonic

import pytest
from sqlalchemy import select

from bot.app import SiltaApp, build_app
from bot.db.models import OutboxMessage, User, utcnow
from bot.delivery import outbox
from bot.delivery.limits import FLOOD_WINDOW
from bot.domain.clubs.reminders import QuietHours
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
    """Messages each chat got (refused calls, e.g. a 429, deliver nothing)."""
    return Counter(chat_id for _, chat_id in simulator.world.sends)


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


def send_times(simulator: SimulatorServer) -> dict[int, float]:
    """When each chat got its message (monotonic time)."""
    return {chat_id: at for at, chat_id in simulator.world.sends}


async def test_a_single_429_holds_back_only_its_own_message(
    app: SiltaApp, simulator: SimulatorServer
) -> None:
    """Telegram answers 429 for one chat's flood too: that message waits `retry_after`, and
    the others keep the pace instead of the whole sender stopping."""
    world = simulator.world
    world.send_limits = (30, 1)
    people = await add_people(app.session_factory, simulator, list(range(7500, 7540)), ["fi"])
    await plan_follow_ups(app.session_factory, people, TEXT, NOON - timedelta(minutes=1))
    world.faults.append(Fault(status=429, method="sendMessage", chat_id=7500, retry_after=2))
    await app.sender.limits.wait_for_pause()  # a new sender's first second
    started = monotonic()
    await drain_all(app)

    assert not world.faults and world.limit_breaches == []
    assert set(received(simulator).values()) == {1} and len(received(simulator)) == 40
    at = send_times(simulator)
    others = sorted(t for chat, t in at.items() if chat != 7500)
    assert others[0] - started < 0.5, "the other chats did not wait"
    gaps = [later - earlier for earlier, later in itertools.pairwise(others)]
    assert max(gaps) < 0.5, "the pace went on"
    assert at[7500] - started >= 2.0, "the refused message waited its retry_after"
    assert await statuses(app) == {"sent": 40}


async def test_a_run_of_429s_pauses_every_chat(app: SiltaApp, simulator: SimulatorServer) -> None:
    """When 429s dominate the recent answers, it is Telegram's flood wait: nobody gets
    anything for `retry_after`, and then everyone gets their message once."""
    world = simulator.world
    world.send_limits = (30, 1)
    people = await add_people(app.session_factory, simulator, list(range(7600, 7640)), ["sv"])
    await plan_follow_ups(app.session_factory, people, TEXT, NOON - timedelta(minutes=1))
    # Telegram's flood wait: every call refused for a while. Ten 429s among the last twenty
    # answers stop everyone; the calls already under way then meet the rest of the run.
    world.faults.append(Fault(status=429, method="sendMessage", retry_after=2, times=FLOOD_WINDOW))
    await app.sender.limits.wait_for_pause()
    started = monotonic()
    await drain_all(app)

    assert not world.faults and world.limit_breaches == []
    assert set(received(simulator).values()) == {1} and len(received(simulator)) == 40
    first = min(send_times(simulator).values())
    assert first - started >= 2.0, "every chat waited for the flood to pass"
    assert await statuses(app) == {"sent": 40}


async def test_places_given_back_by_failed_calls_keep_within_the_limit(
    app: SiltaApp, simulator: SimulatorServer
) -> None:
    """5 % of the calls answered 429 and 1 % 5xx by chance: the places of the failed calls
    are used again, and still no second carries more than the limit; each reader gets their
    message once."""
    world = simulator.world
    world.send_limits = (30, 1)
    ids = list(range(7700, 7850))
    people = await add_people(app.session_factory, simulator, ids, ["uk", "so"])
    await plan_follow_ups(app.session_factory, people, TEXT, NOON - timedelta(minutes=1))
    world.random_faults = {429: 0.05, 500: 0.01}
    world.random.seed(11)
    await drain_all(app)
    world.random_faults = {}

    calls = [params for method, params in world.calls if method == "sendMessage"]
    assert len(calls) > len(ids), "some calls failed and were tried again"
    assert world.limit_breaches == []
    assert received(simulator) == Counter({telegram_id: 1 for telegram_id in ids})
    assert await statuses(app) == {"sent": len(ids)}


async def test_quiet_hours_hold_back_and_late_rows_are_skipped(
    app: SiltaApp, simulator: SimulatorServer
) -> None:
    night = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)  # 23:30 in Helsinki, 16:30 in New York
    app.set_clock(lambda: night)
    helsinki = await add_people(app.session_factory, simulator, [7101], ["fi"])
    new_york = await add_people(
        app.session_factory, simulator, [7102], ["en"], timezone="America/New_York"
    )
    await plan_follow_ups(app.session_factory, {**helsinki, **new_york}, TEXT, night)
    late = await add_people(app.session_factory, simulator, [7103], ["sv"])
    await plan_follow_ups(
        app.session_factory, late, TEXT, night, expires_at=night + timedelta(hours=1)
    )
    expired = await add_people(app.session_factory, simulator, [7104], ["et"])
    await plan_follow_ups(
        app.session_factory, expired, TEXT, night, expires_at=night - timedelta(minutes=1)
    )
    await app.sender.drain()

    assert bot_texts(simulator, 7101) == [] and len(bot_texts(simulator, 7102)) == 1
    assert bot_texts(simulator, 7103) == [] and bot_texts(simulator, 7104) == []
    async with app.session_factory() as session:
        rows = {
            row.user_id: row for row in (await session.execute(select(OutboxMessage))).scalars()
        }
    by_telegram = {user.telegram_id: user.id for user in {**helsinki, **late, **expired}.values()}
    waiting = rows[by_telegram[7101]]
    assert waiting.status == "pending"
    assert waiting.not_before.replace(tzinfo=UTC) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert rows[by_telegram[7103]].status == "skipped"
    assert rows[by_telegram[7103]].last_error == "quiet hours, and too late after them"
    assert rows[by_telegram[7104]].last_error == "no longer useful when its turn came"

    app.set_clock(lambda: datetime(2026, 11, 25, 6, 0, 1, tzinfo=UTC))  # 08:00 in Helsinki
    await app.sender.drain()
    assert bot_texts(simulator, 7101) == [plain("🔔 " + tr(TEXT, "fi"))]


@pytest.mark.postgres
async def test_two_senders_share_the_outbox_without_sending_twice(
    simulator: SimulatorServer, postgres_url: str
) -> None:
    """Several sending processes need PostgreSQL (SQLite has one writer)."""
    database_url = postgres_url
    settings = make_settings(database_url, f"http://127.0.0.1:{simulator.port}", scheduler=False)
    first, second = build_app(settings, TOKEN), build_app(settings, TOKEN)
    try:
        for silta in (first, second):
            silta.set_clock(running_from(NOON))
            # Two processes share Telegram's limit: each takes a little under half, since
            # nothing keeps their paces in step.
            silta.sender.limits = type(silta.sender.limits)(14, 1)
        await first.prepare()
        people = await add_people(
            first.session_factory, simulator, list(range(7200, 7300)), ["uk", "fa"]
        )
        await plan_follow_ups(first.session_factory, people, TEXT, NOON)
        simulator.world.send_limits = (30, 1)
        done = await asyncio.gather(first.sender.drain(), second.sender.drain())
        assert sum(done) == 100 and min(done) > 20, f"both took a share: {done}"
        assert set(received(simulator).values()) == {1}
        assert len(received(simulator)) == 100
        assert simulator.world.limit_breaches == []
        async with first.session_factory() as session:
            assert await outbox.counts(session) == {"sent": 100}
    finally:
        await first.close()
        await second.close()


async def test_a_sender_killed_mid_batch_loses_and_doubles_nothing(
    app: SiltaApp, simulator: SimulatorServer, database_url: str
) -> None:
    """`silta outbox drain` in its own process, killed with SIGKILL while sending; a fresh
    sender then finishes the batch. At-most-once rows caught mid-call are recorded, not resent."""
    world = simulator.world
    world.send_limits = (30, 1)
    people = await add_people(app.session_factory, simulator, list(range(7400, 7480)), ["ru"])
    await plan_follow_ups(app.session_factory, people, TEXT, utcnow() - timedelta(minutes=1))
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{simulator.port}",
        "DATABASE_URL": database_url,
        "QUIET_HOURS": "off",
        "LOG_FORMAT": "console",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "outbox",
        "drain",
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(400):
            if len(world.sends) >= 25:
                break
            await asyncio.sleep(0.05)
        assert len(world.sends) >= 25, "the sending process started sending"
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    sent_before_kill = len(world.sends)
    assert sent_before_kill < 80, "killed in the middle of the batch"

    app.set_clock(utcnow)
    app.sender.quiet = QuietHours(time(0, 0), time(0, 0))
    app.sender.lease = timedelta(0)  # the killed process's rows are stale at once
    await drain_all(app)

    got = received(simulator)
    assert max(got.values()) == 1, "nobody got the message twice"
    counts = await statuses(app)
    assert set(counts) <= {"sent", "interrupted"} and sum(counts.values()) == 80
    assert counts.get("interrupted", 0) <= app.sender.workers, "only calls under way are in doubt"
    assert len(got) >= counts["sent"]
    assert world.limit_breaches == []

"""Broadcast: one announcement to 10,000 people through the real service and the real sender,
against the simulator enforcing Telegram's limits, with 5 % of the calls answered 429 and 1 %
answered 500 (the baseline: the same run without faults).

Measured: delivered messages per second between the first and the last delivery, as a fraction
of the configured limit; chats that got it twice (duplicates) and readers who never got it
(losses); breaches of the limit the simulator saw; the CPU the process (sender and simulator
together) used while sending, as a share of one core.

The sender is driven as the scheduler drives it (`drain(budget=60)` every second, a tick skipped
while one runs), with the production logging (into /dev/null). The limit is 120 messages a
second, above Telegram's free 30 (paid broadcasts go up to 1,000), so that both runs take
about three minutes; each rate is the aggregate of one run of 10,000 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bench.common import TOKEN, Row, fmt, main, workspace
from bot.app import SiltaApp, build_app
from bot.config import Settings
from bot.db.models import OutboxMessage, User
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.logging_setup import configure_logging
from bot.services import broadcasts
from bot.simulator.server import SimulatorServer

LIMIT = 120.0  # messages per second: 10,000 take about 85 s a run
FAULTS = {429: 0.05, 500: 0.01}
FIRST_ID = 10_000_000  # Telegram ids of the readers
TARGET = 0.95
OPEN = ("pending", "claimed", "sending")


@dataclass
class Outcome:
    """What one run delivered, and how."""

    recipients: int
    delivered: int
    seconds: float  # first to last delivery
    duplicates: int
    losses: int
    breaches: int
    cpu_share: float  # process CPU time / wall time while sending
    calls: int  # sendMessage calls, refused ones included

    @property
    def rate(self) -> float:
        return (self.delivered - 1) / self.seconds if self.seconds > 0 else float("nan")


def _quiet_logs() -> None:
    """Production logging (one JSON line per sent message) into /dev/null: its cost counts,
    its lines would drown the table."""
    configure_logging("INFO", "json", [TOKEN])
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


async def _readers(app: SiltaApp, simulator: SimulatorServer, count: int) -> None:
    """`count` consented parents in every language, known to the simulator (bulk insert)."""
    languages = list(SUPPORTED_LANGUAGES)
    now = datetime.now(UTC)
    rows = [
        {
            "telegram_id": FIRST_ID + n,
            "language": languages[n % len(languages)],
            "language_confirmed": True,
            "role": "parent",
            "consent_at": now,
            "timezone": "Europe/Helsinki",
            "is_active": True,
        }
        for n in range(count)
    ]
    async with app.session_factory() as session:
        for start in range(0, count, 2000):
            await session.execute(insert(User), rows[start : start + 2000])
        await session.commit()
    for n in range(count):
        simulator.world.add_user(FIRST_ID + n, f"P{n}", languages[n % len(languages)])


async def _announce(app: SiltaApp) -> int:
    """The first reader, a coordinator, sends an announcement to everyone; its id."""
    async with app.session_factory() as session:
        author = (
            await session.execute(select(User).where(User.telegram_id == FIRST_ID))
        ).scalar_one()
        draft = await broadcasts.draft_of(session, author)
        draft.audience = {}
        draft.source_language = "en"
        for language in ("en", "fi", "ar", "so", "uk"):
            broadcasts.set_text(
                draft, language, f"Family day at the library on Saturday [{language}]"
            )
        total = await broadcasts.start(
            session, draft, app.settings.coordinator_ids, datetime.now(UTC)
        )
        await session.commit()
        assert total is not None
        return draft.id


async def _open_rows(app: SiltaApp) -> int:
    async with app.session_factory() as session:
        found = await session.execute(
            select(OutboxMessage.id).where(OutboxMessage.status.in_(OPEN)).limit(1)
        )
        return len(found.all())


async def _drain_like_the_scheduler(app: SiltaApp, timeout: float) -> None:
    """`drain()` on a one-second tick, a tick skipped while a drain runs (max_instances=1),
    until every row is final."""
    started = time.monotonic()
    while True:
        await app.sender.drain(budget=60.0)
        if not await _open_rows(app):
            return
        now = time.monotonic()
        if now - started > timeout:
            raise TimeoutError("the broadcast did not finish")
        await asyncio.sleep(math.ceil(now - started + 1e-6) - (now - started))


async def _run(recipients: int, limit: float, faults: dict[int, float]) -> Outcome:
    with workspace() as folder:
        simulator = SimulatorServer(TOKEN)
        await simulator.start()
        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=f"http://127.0.0.1:{simulator.port}",
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            coordinator_ids=frozenset({FIRST_ID}),
            send_rate=limit,
            quiet_hours="off",
            scheduler=False,
        )
        app = build_app(settings, TOKEN)
        try:
            await app.prepare()
            await _readers(app, simulator, recipients)
            world = simulator.world
            world.send_limits = (limit, 1)
            world.random_faults = dict(faults)
            calls_before = len(world.calls)
            await _announce(app)
            # The simulated world (10,000 people, their chats) is the bench's, not the bot's:
            # out of the garbage collector's way, or its full passes stall the loop.
            gc.collect()
            gc.freeze()
            wall, cpu = time.monotonic(), time.process_time()
            await _drain_like_the_scheduler(app, timeout=20 * recipients / limit + 60)
            wall, cpu = time.monotonic() - wall, time.process_time() - cpu
            got = Counter(chat for _, chat in world.sends)
            times = [at for at, _ in world.sends]
            return Outcome(
                recipients=recipients,
                delivered=len(times),
                seconds=max(times) - min(times) if times else 0.0,
                duplicates=sum(1 for n in got.values() if n > 1),
                losses=sum(1 for n in range(recipients) if got[FIRST_ID + n] == 0),
                breaches=len(world.limit_breaches),
                cpu_share=cpu / wall if wall > 0 else float("nan"),
                calls=sum(1 for method, _ in world.calls[calls_before:] if method == "sendMessage"),
            )
        finally:
            gc.unfreeze()
            await app.close()
            await simulator.stop()


def run(args: argparse.Namespace) -> list[Row]:
    _quiet_logs()
    recipients = 1_000 if args.quick else 10_000
    faulty = asyncio.run(_run(recipients, LIMIT, FAULTS))
    clean = asyncio.run(_run(recipients, LIMIT, {}))
    share, clean_share = faulty.rate / LIMIT, clean.rate / LIMIT
    size = f"{recipients:,} recipients, limit {LIMIT:.0f}/s"
    if args.quick:  # the last retries (a second or two) weigh more in a short run
        size += ", quick: the retries' tail weighs more"
    return [
        Row(
            "Broadcast",
            f"delivered per second / limit ({size}; 5 % 429, 1 % 5xx; baseline: no faults)",
            f"{fmt(share)} ({fmt(faulty.rate, 1)}/s)",
            f"{fmt(clean_share)} ({fmt(clean.rate, 1)}/s)",
            fmt(share),
            f">= {TARGET}",
            share >= TARGET,
        ),
        Row(
            "Broadcast",
            "duplicates (chats with two copies), with faults",
            str(faulty.duplicates),
            str(clean.duplicates),
            target="0",
            met=faulty.duplicates == 0 and clean.duplicates == 0,
        ),
        Row(
            "Broadcast",
            "losses (readers without it), with faults",
            str(faulty.losses),
            str(clean.losses),
            target="0",
            met=faulty.losses == 0 and clean.losses == 0,
        ),
        Row(
            "Broadcast",
            "limit breaches seen by the simulator, with faults",
            str(faulty.breaches),
            str(clean.breaches),
            target="0",
            met=faulty.breaches == 0 and clean.breaches == 0,
        ),
        Row(
            "Broadcast",
            "CPU while sending, share of one core (sender + simulator in one process)",
            fmt(faulty.cpu_share),
            fmt(clean.cpu_share),
        ),
        Row(
            "Broadcast",
            "sendMessage calls per delivered message, with faults",
            fmt(faulty.calls / max(1, faulty.delivered), 3),
            fmt(clean.calls / max(1, clean.delivered), 3),
        ),
    ]


if __name__ == "__main__":
    main(run, "Broadcast to 10,000 through 429s and 5xx: pace, duplicates, losses.")

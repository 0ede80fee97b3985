"""Interactive load: Silta (middlewares, database, a flow step per message) next to a bare
aiogram echo bot, each as its own process against the simulator over HTTP, in the same run.

Every simulated person is in the middle of a guide (bench/flows/diary.yaml) whose question
takes a typed answer, so each message they send is one real flow step for Silta: the user is
loaded, the answer checked and saved, the next question rendered in their language and sent,
and the session committed. The echo bot sends each text straight back.

- Throughput: a closed loop (each of CONCURRENT people writes again as soon as answered) for a
  while: answers per second.
- Latency: an open loop at 100 and at 200 messages per second (evenly spaced, whatever the
  bot does): from the message's arrival at the server to the bot's first answer in that chat.
- The same at 100 per second while an announcement goes out from Silta's outbox at its paced
  rate: answers must not queue behind the announcement.
- Peak memory: the kernel's high-water mark of each bot process at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import TOKEN, Row, fmt, main, median, percentile, workspace
from bench.processes import ROOT, BotProcess, start
from bot.simulator.server import SimulatorServer

HERE = Path(__file__).resolve().parent
FIRST_USER = 5_000_000
COORDINATOR = FIRST_USER - 1
LANGUAGES = ("fi", "sv", "en", "ru", "uk", "et", "ar", "fa", "so", "ckb")
CONCURRENT = 64
ANNOUNCEMENT = "The family club meets in the library today."


@dataclass
class Sizes:
    people: int
    warm_up: float  # seconds
    closed: float
    open_: float
    rounds: int


FULL = Sizes(people=1_000, warm_up=3.0, closed=10.0, open_=15.0, rounds=2)
QUICK = Sizes(people=300, warm_up=2.0, closed=4.0, open_=5.0, rounds=1)


@dataclass
class Meter:
    """Watches the simulator: when each chat was written to, and by whom it is awaited."""

    sent_at: dict[int, float] = field(default_factory=dict)  # chat -> time of its message
    latencies: list[float] = field(default_factory=list)
    waiters: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    announcements: int = 0  # announcement messages delivered

    def hook(self, simulator: SimulatorServer) -> None:
        world = simulator.world
        original = world.bot_sends

        async def bot_sends(chat_id: Any, content: dict[str, Any]) -> dict[str, Any]:
            result = await original(chat_id, content)
            if ANNOUNCEMENT in str(content.get("text", "")):
                self.announcements += 1
            else:
                self.answered(int(chat_id))
            return result

        world.bot_sends = bot_sends  # type: ignore[method-assign]

    def answered(self, chat: int) -> None:
        sent = self.sent_at.pop(chat, None)
        if sent is None:
            return  # a second message of the same answer, or an announcement
        self.latencies.append(time.monotonic() - sent)
        waiter = self.waiters.pop(chat, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def reset(self) -> None:
        self.sent_at.clear()
        self.latencies = []


@dataclass
class Result:
    """One bot's figures from one round."""

    throughput: float = 0.0
    p50: dict[int, float] = field(default_factory=dict)  # rate -> seconds
    p99: dict[int, float] = field(default_factory=dict)
    lost: dict[int, int] = field(default_factory=dict)
    peak_rss: float = 0.0
    announced: int = 0  # announcement messages delivered during the loaded run


class Load:
    """People writing to the bot through the simulator's API (in this process)."""

    def __init__(self, simulator: SimulatorServer, people: list[int], meter: Meter) -> None:
        self.world = simulator.world
        self.people = people
        self.meter = meter
        self.turns = itertools.cycle(people)
        self.texts = itertools.cycle(
            ["We went to the library.", "School started at eight.", "Met the teacher today."]
        )

    async def write(self, chat: int) -> None:
        self.meter.sent_at[chat] = time.monotonic()
        await self.world.user_sends(chat, {"text": next(self.texts)})

    async def next_person(self) -> int:
        """Someone not waiting for an answer (nobody has two messages waiting); if everyone
        is waiting, the load waits too rather than pile up behind one person."""
        while True:
            for _ in range(len(self.people)):
                chat = next(self.turns)
                if chat not in self.meter.sent_at:
                    return chat
            await asyncio.sleep(0.001)

    async def closed(self, seconds: float) -> float:
        """CONCURRENT people, each writing again as soon as answered; answers per second."""
        self.meter.reset()
        stop = time.monotonic() + seconds

        async def person() -> None:
            while time.monotonic() < stop:
                chat = await self.next_person()
                waiter = asyncio.get_running_loop().create_future()
                self.meter.waiters[chat] = waiter
                await self.write(chat)
                try:
                    await asyncio.wait_for(waiter, 30)
                except TimeoutError:
                    self.meter.sent_at.pop(chat, None)

        began = time.monotonic()
        await asyncio.gather(*(person() for _ in range(CONCURRENT)))
        return len(self.meter.latencies) / (time.monotonic() - began)

    async def open(self, rate: int, seconds: float) -> tuple[float, float, int]:
        """Messages at an even `rate` whatever the answers do: p50, p99 and how many were
        not answered within 10 s after the end."""
        self.meter.reset()
        count = int(rate * seconds)
        began = time.monotonic()
        for index in range(count):
            delay = began + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.write(await self.next_person())
        deadline = time.monotonic() + 10
        while self.meter.sent_at and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        lost = len(self.meter.sent_at)
        latencies = self.meter.latencies
        return median(latencies), percentile(latencies, 0.99), lost


async def seed(database_url: str, flows: Path, people: list[int]) -> None:
    """Silta's database: everyone has agreed, chosen a language and is halfway through the
    diary guide (waiting for a typed answer); one coordinator."""
    from bot.db.models import User
    from bot.db.session import create_engine, create_session_factory
    from bot.domain.roles import Role
    from bot.services import flows as flow_service
    from bot.services.flows import FlowLibrary

    engine = create_engine(database_url)
    from bot.db.migrate import upgrade

    await upgrade(engine)
    library = FlowLibrary.load(flows)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session:
        session.add(
            User(
                telegram_id=COORDINATOR,
                language="en",
                language_confirmed=True,
                consent_at=now,
                timezone="Europe/Helsinki",
            )
        )
        for index, chat in enumerate(people):
            user = User(
                telegram_id=chat,
                language=LANGUAGES[index % len(LANGUAGES)],
                language_confirmed=True,
                role=Role.PARENT.value,
                consent_at=now,
                timezone="Europe/Helsinki",
            )
            session.add(user)
            await session.flush()
            await flow_service.start(session, library, user, Role.PARENT, "diary")
        await session.commit()
    await engine.dispose()


async def announce(database_url: str) -> None:
    """A coordinator's urgent announcement to everyone (urgent: it goes out at night too)."""
    from sqlalchemy import select

    from bot.db.models import User
    from bot.db.session import create_engine, create_session_factory
    from bot.services import broadcasts

    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        author = (
            await session.execute(select(User).where(User.telegram_id == COORDINATOR))
        ).scalar_one()
        draft = await broadcasts.draft_of(session, author)
        for language in LANGUAGES:
            broadcasts.set_text(draft, language, ANNOUNCEMENT)
        draft.urgent = True
        await broadcasts.start(session, draft, frozenset({COORDINATOR}), datetime.now(UTC))
        await session.commit()
    await engine.dispose()


async def one_bot(
    kind: str, sizes: Sizes, folder: Path, env: dict[str, str], rates: tuple[int, ...]
) -> Result:
    """Start one bot on a fresh simulator, load it, and stop it."""
    simulator = SimulatorServer(TOKEN)
    people = [FIRST_USER + index for index in range(sizes.people)]
    for index, chat in enumerate(people):
        simulator.world.add_user(chat, f"Person {index}", LANGUAGES[index % len(LANGUAGES)])
    simulator.world.add_user(COORDINATOR, "Coordinator", "en")
    meter = Meter()
    meter.hook(simulator)
    await simulator.start()
    result = Result()
    bot: BotProcess | None = None
    try:
        bot = await start(kind, simulator, env, folder)
        load = Load(simulator, people, meter)
        await load.closed(sizes.warm_up)
        result.throughput = await load.closed(sizes.closed)
        for rate in rates:
            p50, p99, lost = await load.open(rate, sizes.open_)
            result.p50[rate], result.p99[rate], result.lost[rate] = p50, p99, lost
            bot.sample()
        if kind == "silta":
            await announce(env["DATABASE_URL"])
            p50, p99, lost = await load.open(100, sizes.open_)
            result.p50[-100], result.p99[-100], result.lost[-100] = p50, p99, lost
            result.announced = meter.announcements
            bot.sample()
    finally:
        if bot is not None:
            await bot.stop()
            result.peak_rss = bot.peak_rss
        await simulator.stop()
    return result


async def measure(sizes: Sizes) -> list[Row]:
    bare: list[Result] = []
    silta: list[Result] = []
    rates = (100, 200)
    with workspace() as tmp:
        folder = Path(tmp)
        flows = folder / "flows"
        shutil.copytree(ROOT / "flows", flows)
        shutil.copy(HERE / "flows" / "diary.yaml", flows / "diary.yaml")
        people = [FIRST_USER + index for index in range(sizes.people)]
        for round_ in range(sizes.rounds):
            database = folder / f"silta-{round_}.db"
            env = {
                "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                "FLOWS_DIR": str(flows),
                "COORDINATOR_IDS": str(COORDINATOR),
            }
            await seed(env["DATABASE_URL"], flows, people)
            bare.append(await one_bot("bare", sizes, folder, env, rates))
            silta.append(await one_bot("silta", sizes, folder, env, rates))
    return rows(bare, silta, sizes)


def _m(results: list[Result], pick: Callable[[Result], float]) -> float:
    return median([pick(result) for result in results])


def _at(results: list[Result], figure: str, rate: int) -> float:
    """The median of one latency figure ("p50" or "p99") at one rate over the rounds."""
    return median([getattr(result, figure)[rate] for result in results])


def rows(bare: list[Result], silta: list[Result], sizes: Sizes) -> list[Row]:
    n = f"median of {sizes.rounds}" if sizes.rounds > 1 else "one round"
    group = "Interactive"
    t_bare, t_silta = _m(bare, lambda r: r.throughput), _m(silta, lambda r: r.throughput)
    out = [
        Row(
            group,
            f"throughput, {CONCURRENT} people writing at once (answers/s, {n})",
            fmt(t_silta, 0),
            fmt(t_bare, 0),
            fmt(t_silta / t_bare),
            "ratio >= 0.7",
            t_silta / t_bare >= 0.7,
        )
    ]
    for rate in (100, 200):
        p50_b, p50_s = _at(bare, "p50", rate), _at(silta, "p50", rate)
        p99_b, p99_s = _at(bare, "p99", rate), _at(silta, "p99", rate)
        lost = max(r.lost[rate] for r in silta)
        out.append(
            Row(
                group,
                f"p50 latency at {rate}/s (ms)",
                fmt(p50_s * 1000, 1),
                fmt(p50_b * 1000, 1),
                fmt(p50_s / p50_b),
            )
        )
        out.append(
            Row(
                group,
                f"p99 latency at {rate}/s (ms{'; unanswered: ' + str(lost) if lost else ''})",
                fmt(p99_s * 1000, 1),
                fmt(p99_b * 1000, 1),
                fmt(p99_s / p99_b),
                "< 100 ms" if rate == 100 else "-",
                (p99_s < 0.1 and lost == 0) if rate == 100 else None,
            )
        )
    p99_loaded = _at(silta, "p99", -100)
    announced = _m(silta, lambda r: r.announced)
    out.append(
        Row(
            group,
            f"p99 latency at 100/s while an announcement goes out ({announced:.0f} sent meanwhile; ms)",
            fmt(p99_loaded * 1000, 1),
            fmt(_at(silta, "p99", 100) * 1000, 1) + " (no announcement)",
            fmt(p99_loaded / _at(silta, "p99", 100)),
            "< 100 ms",
            p99_loaded < 0.1,
        )
    )
    r_bare, r_silta = _m(bare, lambda r: r.peak_rss), _m(silta, lambda r: r.peak_rss)
    out.append(
        Row(
            "Memory",
            "peak RSS under the interactive load (MB)",
            fmt(r_silta, 0),
            fmt(r_bare, 0),
            fmt(r_silta / r_bare),
            "ratio <= 1.3",
            r_silta / r_bare <= 1.3,
        )
    )
    return out


def run(args: argparse.Namespace) -> list[Row]:
    return asyncio.run(measure(QUICK if args.quick else FULL))


if __name__ == "__main__":
    main(run, __doc__ or "")

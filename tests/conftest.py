"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the simulator, the bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import SiltaApp, build_app
from bot.config import Settings
from bot.db.session import create_engine
from bot.simulator.client import SimChat
from bot.simulator.server import SimulatorServer

TOKEN = "123456789:TEST-TOKEN-for-the-simulator"
POSTGRES_URL = os.environ.get(
    "SILTA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
COORDINATOR_ID = 900


def make_settings(database_url: str, api_url: str = "http://127.0.0.1:9", **extra: Any) -> Settings:
    """Settings for a test, ignoring the developer's environment and .env."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "coordinator_ids": frozenset({COORDINATOR_ID}),
        "log_format": "console",
        "api_max_retries": 4,
        "cache_dir": Path(tempfile.gettempdir()) / "silta-test-cache",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _postgres_reason() -> str | None:
    """None when the test PostgreSQL answers, else why not."""
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means: no PostgreSQL for these tests
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({type(error).__name__}); set SILTA_TEST_POSTGRES_URL"
    finally:
        await engine.dispose()
    return None


@contextlib.asynccontextmanager
async def _fresh_postgres() -> AsyncIterator[str]:
    """A new, empty database on the local PostgreSQL, dropped afterwards."""
    reason = await _postgres_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"silta_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'silta.db'}"
        return
    async with _fresh_postgres() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """An empty database on the local PostgreSQL only (what needs several processes)."""
    async with _fresh_postgres() as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    from bot.db.migrate import upgrade

    engine = create_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def simulator() -> AsyncIterator[SimulatorServer]:
    """The local Bot API server; any request Telegram would refuse fails the test."""
    server = SimulatorServer(TOKEN)
    await server.start()
    yield server
    await server.stop()
    assert server.world.violations == [], "the bot made requests Telegram would refuse"


class RunningBot:
    """A bot polling the simulator in this event loop; can be stopped and started again."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: SiltaApp | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> SiltaApp:
        self.app = build_app(self.settings, TOKEN)
        await self.app.prepare()
        self.app.start_background()
        self.task = asyncio.create_task(
            self.app.dispatcher.start_polling(
                self.app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
            )
        )
        return self.app

    async def stop(self) -> None:
        if self.app is None or self.task is None:
            return
        await self.app.dispatcher.stop_polling()
        await asyncio.wait_for(self.task, 10)
        await self.app.finish_updates()
        await self.app.close()
        self.app, self.task = None, None


@pytest.fixture
async def running_bot(simulator: SimulatorServer, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The real bot against the simulator over HTTP, on a SQLite file."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", f"http://127.0.0.1:{simulator.port}"
    )
    bot = RunningBot(settings)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def running_bot_on(
    simulator: SimulatorServer, database_url: str
) -> AsyncIterator[RunningBot]:
    """The real bot on each test database (SQLite and PostgreSQL)."""
    bot = RunningBot(make_settings(database_url, f"http://127.0.0.1:{simulator.port}"))
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def join(simulator: SimulatorServer, http: aiohttp.ClientSession) -> Any:
    """Make a person: `await join(user_id, language_code=...)` returns their SimChat."""

    async def _join(
        user_id: int, language_code: str | None = "en", first_name: str = "Test"
    ) -> SimChat:
        return await SimChat.join(
            http, f"http://127.0.0.1:{simulator.port}", user_id, first_name, language_code
        )

    return _join

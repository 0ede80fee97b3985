"""Engine and session factory. SQLite gets WAL and a busy timeout so readers never block."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# SQLite writes one transaction at a time, and each aiosqlite connection is a thread that
# competes with the event loop for the GIL: a few connections serve one process best
# (bench/interactive.py: 15 connection threads left the event loop waiting a third of the time).
SQLITE_POOL = {"pool_size": 3, "max_overflow": 3}


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite switch every connection to WAL mode."""
    if database_url.startswith("sqlite") and ":memory:" not in database_url:
        kwargs = {**SQLITE_POOL, **kwargs}
    engine = create_async_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (handlers read them afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)

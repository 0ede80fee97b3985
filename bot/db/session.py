"""Engine and session factory.

SQLite files run in the event loop without a thread (inline_sqlite.py), in WAL mode so readers
never wait for the writer, with `synchronous=NORMAL`: a commit does not wait for the disk (WAL's
usual setting; a power cut may lose the last moments, never the database's consistency)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db.inline_sqlite import connector

# SQLite writes one transaction at a time: a few connections serve one process best.
SQLITE_POOL = {"pool_size": 3, "max_overflow": 3}


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite files in WAL mode, in the event loop (see above)."""
    url = make_url(database_url)
    inline = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if inline:
        assert url.database is not None
        kwargs = {**SQLITE_POOL, "async_creator": connector(url.database), **kwargs}
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Inline: a busy statement is retried after an asynchronous sleep instead, and the
            # log is moved into the database by a scheduled job in a thread, not in a commit.
            cursor.execute(f"PRAGMA busy_timeout={0 if inline else 5000}")
            if inline:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

    return engine


def sqlite_file(engine: AsyncEngine) -> str | None:
    """The SQLite file an engine writes to, or None (PostgreSQL, or SQLite in memory)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return database


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (handlers read them afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)

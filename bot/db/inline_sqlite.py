"""SQLite for SQLAlchemy's asyncio engine, run in the event loop itself, without a thread.

aiosqlite gives every connection a thread of its own and hands each call over to it: a cursor,
the statement, the rows and the close are four round trips for one statement, and the threads
take the interpreter lock from the event loop. Profiling bench/interactive.py showed the loop
waiting for that lock, or on those hand-overs, for a third of its time. SQLite on a local file
answers in microseconds, so the call itself is cheaper than the hand-over: here it is made
directly, behind the same interface SQLAlchemy's aiosqlite dialect expects.

The one thing that could make a direct call wait is another connection's write lock (one
writer at a time). SQLite's busy timeout would then sleep inside the event loop, while the
transaction holding the lock could only commit from that same loop. So the busy timeout is 0
here and a statement refused as busy is tried again after an asynchronous sleep (within
BUSY_TIMEOUT): the loop goes on, the other transaction commits, the statement goes through.
A refused statement has changed nothing, so trying it again is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_TIMEOUT = 5.0  # seconds a statement may wait for another connection's write lock
_FIRST_WAIT = 0.0005


def _busy(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


async def _retrying(call: Callable[[], Any]) -> Any:
    """Run `call`; while SQLite says the database is busy, wait (asynchronously) and retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    wait = _FIRST_WAIT
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(wait)
        wait = min(wait * 2, 0.05)


class Cursor:
    """An aiosqlite-like cursor over a sqlite3 cursor; every call is made at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await _retrying(lambda: self._cursor.execute(sql, parameters or ()))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        rows = list(parameters)
        await _retrying(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Inline:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation
    level: the function runs now and its future is settled."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class Connection:
    """An aiosqlite-like connection over a sqlite3 connection in the event loop's thread."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._conn: sqlite3.Connection | None = None
        self._tx = _Inline()

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> Connection:
        self._conn = sqlite3.connect(self._database, timeout=0, check_same_thread=False)
        return self

    @property
    def _connection(self) -> sqlite3.Connection | None:  # what SQLAlchemy checks for "open"
        return self._conn

    def _open_connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    def cursor(self) -> Cursor:
        return Cursor(self._open_connection().cursor())

    async def commit(self) -> None:
        connection = self._open_connection()
        await _retrying(connection.commit)

    async def rollback(self) -> None:
        self._open_connection().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open_connection().create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._open_connection().isolation_level


async def checkpoint(database: str) -> None:
    """Copy the write-ahead log into the database, in a worker thread.

    SQLite does this by itself inside a commit every thousand pages, which here would be in the
    event loop, waiting for the disk (stalls of a tenth of a second under load); the engine
    turns that off (`wal_autocheckpoint=0`) and the scheduler calls this every few seconds.
    PASSIVE: it copies what no reader still needs and never waits for anyone."""

    def run() -> None:
        connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    await asyncio.to_thread(run)


def connector(database: str) -> Callable[[], Connection]:
    """An `async_creator` for create_async_engine: a new inline connection to `database`."""

    def connect(*_args: Any, **_kwargs: Any) -> Connection:
        return Connection(database)

    return connect

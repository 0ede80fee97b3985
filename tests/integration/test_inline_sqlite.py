"""SQLite in the event loop (bot/db/inline_sqlite.py): a writer that finds the database locked
waits without holding up the loop, and the write-ahead log is moved by the job, not a commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.db.inline_sqlite import checkpoint
from bot.db.session import create_engine


async def test_a_locked_writer_waits_while_the_loop_lets_the_holder_commit(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    first, second = create_engine(url), create_engine(url)
    try:
        async with first.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        holder = await first.connect()
        await holder.execute(text("INSERT INTO notes VALUES ('first')"))  # holds the write lock

        async def second_writer() -> None:
            async with second.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('second')"))

        waiting = asyncio.create_task(second_writer())
        await asyncio.sleep(0.05)
        assert not waiting.done(), "the second writer waits for the lock"
        await holder.commit()  # only possible because the waiting writer does not block the loop
        await holder.close()
        await asyncio.wait_for(waiting, 5)
        async with first.connect() as connection:
            rows = (await connection.execute(text("SELECT body FROM notes ORDER BY body"))).all()
        assert [row[0] for row in rows] == ["first", "second"]
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_log_is_moved_by_the_checkpoint_job_not_by_commits(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
            for index in range(200):
                await connection.execute(
                    text("INSERT INTO notes VALUES (:b)"), {"b": "x" * 500 * index}
                )
        before = path.stat().st_size  # commits left everything in the log
        await checkpoint(str(path))
        after = path.stat().st_size
        assert before < 100_000 < after, (before, after)
    finally:
        await engine.dispose()

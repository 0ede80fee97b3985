"""Flow definitions kept for conversations under way, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import FlowDefinition
from bot.db.session import create_session_factory
from bot.domain.flows.check import check_files
from bot.domain.flows.model import Flow
from bot.services.flows import add_definition, keep_definition
from tests.unit.flows.test_interpreter import MAIN, WILMA


def _flow(tmp_path: Path) -> Flow:
    (tmp_path / "main.yaml").write_text(MAIN, encoding="utf-8")
    (tmp_path / "wilma.yaml").write_text(WILMA, encoding="utf-8")
    flows, problems = check_files([tmp_path / "main.yaml", tmp_path / "wilma.yaml"])
    assert flows, problems
    return flows["main"].flow


async def _count(engine: AsyncEngine) -> int:
    async with create_session_factory(engine)() as session:
        return int((await session.execute(select(func.count(FlowDefinition.id)))).scalar_one())


async def test_a_definition_is_kept_once_and_reads_back_equal(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    flow = _flow(tmp_path)
    factory = create_session_factory(engine)
    for _ in range(2):
        async with factory() as session:
            await keep_definition(session, flow)
            await session.commit()
    assert await _count(engine) == 1
    async with factory() as session:
        row = (await session.execute(select(FlowDefinition))).scalar_one()
    assert row.digest == flow.digest and Flow.model_validate(row.definition) == flow


async def test_a_definition_another_process_kept_first_is_no_error(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Two processes both found no row and both insert: the later insert is refused by the
    unique digest inside a savepoint, and the rest of its transaction is kept."""
    flow = _flow(tmp_path)
    factory = create_session_factory(engine)
    async with factory() as first:
        await keep_definition(first, flow)
        await first.commit()
    async with factory() as second:
        second.add(FlowDefinition(flow_id="x", version=1, digest="other", definition={}))
        await add_definition(second, flow)
        await second.commit()
    assert await _count(engine) == 2

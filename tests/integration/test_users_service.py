"""User use cases on a real database: SQLite and the local PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.migrate import current_revision, head_revision, newest_revision
from bot.db.models import User
from bot.db.session import create_engine, create_session_factory
from bot.domain.roles import Role
from bot.services import users as service
from bot.services.figures import people_by_role_and_language


async def test_migrations_create_the_schema(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision() == newest_revision() == "0009"
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("users")}
        )
    assert {"telegram_id", "language", "role", "consent_at", "is_active"} <= columns


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    finally:
        await engine.dispose()


async def test_first_contact_stores_only_id_and_guessed_language(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        user, created = await service.get_or_create_user(
            session, 4242, "fi-FI", "en", "Europe/Helsinki"
        )
        await session.commit()
    assert created and user.language == "fi" and not user.language_confirmed
    assert user.role is None and user.consent_at is None
    async with factory() as session:
        again, created = await service.get_or_create_user(
            session, 4242, "ar", "en", "Europe/Helsinki"
        )
    assert not created and again.language == "fi", "Telegram's guess never overrides what is stored"


async def test_language_consent_role_and_erase(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        user, _ = await service.get_or_create_user(session, 7, "en", "en", "Europe/Helsinki")
        service.choose_language(user, "so")
        service.give_consent(user)
        assert service.choose_role(user, "buddy") is Role.BUDDY
        with pytest.raises(service.InvalidChoice):
            service.choose_role(user, "coordinator")
        with pytest.raises(service.InvalidChoice):
            service.choose_language(user, "xx")
        await session.commit()
    async with factory() as session:
        user, _ = await service.get_or_create_user(session, 7, None, "en", "Europe/Helsinki")
        data = await service.export_user_data(session, user, frozenset())
        assert (data.language, data.role, data.language_confirmed) == ("so", Role.BUDDY, True)
        assert data.consent_at is not None
        assert (data.guides, data.handoff_requests, data.follow_ups_waiting) == ([], 0, 0)
        assert service.onboarding_state(user, frozenset()).complete
        assert await service.delete_user(session, 7)
        await session.commit()
    async with factory() as session:
        assert not await service.delete_user(session, 7)


async def test_blocked_user_is_marked_unreachable(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        await service.get_or_create_user(session, 8, "en", "en", "Europe/Helsinki")
        await session.commit()
    async with factory() as session:
        assert await service.set_reachable(session, 8, False)
        await session.commit()
    async with factory() as session:
        user, _ = await service.get_or_create_user(session, 8, "en", "en", "Europe/Helsinki")
        assert not user.is_active and user.blocked_at is not None
        assert not await service.set_reachable(session, 999, False), "unknown users are ignored"


async def test_telegram_id_is_unique(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        session.add_all(
            [
                User(telegram_id=9, language="en", timezone="Europe/Helsinki"),
                User(telegram_id=9, language="fi", timezone="Europe/Helsinki"),
            ]
        )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_figures_count_active_people_by_role_and_language(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        for telegram_id, language, role in [
            (1, "ar", "parent"),
            (2, "ar", "parent"),
            (3, "fi", "buddy"),
            (4, "fi", None),
            (5, "en", None),
        ]:
            user, _ = await service.get_or_create_user(
                session, telegram_id, language, "en", "Europe/Helsinki"
            )
            user.role = role
        await session.flush()
        await service.set_reachable(session, 3, False)
        await session.commit()
    async with factory() as session:
        counts = await people_by_role_and_language(session, frozenset({5}))
    rows = {(row.role, row.language): row.count for row in counts}
    assert rows == {("parent", "ar"): 2, (None, "fi"): 1, ("coordinator", "en"): 1}


async def test_downgrade_and_upgrade_again(engine: AsyncEngine) -> None:
    from alembic import command

    from bot.db.migrate import alembic_config, upgrade

    def _downgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    async with engine.begin() as connection:
        await connection.run_sync(_downgrade)
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_erasing_a_user_erases_their_guides_requests_and_follow_ups(
    engine: AsyncEngine,
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from bot.db.models import FlowSession, FollowUp, HandoffRequest

    factory = create_session_factory(engine)
    async with factory() as session:
        user, _ = await service.get_or_create_user(session, 77, "en", "en", "Europe/Helsinki")
        session.add_all(
            [
                FlowSession(
                    user_id=user.id, flow_id="f", flow_version=1, step="a", state={"stack": []}
                ),
                HandoffRequest(user_id=user.id, topic="t", context={}),
                FollowUp(user_id=user.id, text="x", due_at=datetime(2026, 12, 1, tzinfo=UTC)),
            ]
        )
        await session.commit()
    async with factory() as session:
        assert await service.delete_user(session, 77)
        await session.commit()
    async with factory() as session:
        for model in (FlowSession, HandoffRequest, FollowUp):
            assert (await session.execute(select(func.count()).select_from(model))).scalar() == 0

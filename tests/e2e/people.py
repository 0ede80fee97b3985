"""Many people at once for delivery tests: stored as consented parents and known to the
simulator, without chatting through onboarding one by one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import User, utcnow
from bot.delivery.outbox import Planned, enqueue
from bot.simulator.server import SimulatorServer


async def add_people(
    session_factory: async_sessionmaker[AsyncSession],
    simulator: SimulatorServer,
    telegram_ids: list[int],
    languages: list[str],
    timezone: str = "Europe/Helsinki",
    role: str = "parent",
) -> dict[int, User]:
    """Consented people (parents unless said), one language each in turn; by Telegram id."""
    people: dict[int, User] = {}
    async with session_factory() as session:
        for index, telegram_id in enumerate(telegram_ids):
            language = languages[index % len(languages)]
            simulator.world.add_user(telegram_id, f"P{telegram_id}", language)
            user = User(
                telegram_id=telegram_id,
                language=language,
                language_confirmed=True,
                role=role,
                consent_at=utcnow(),
                timezone=timezone,
                is_active=True,
            )
            session.add(user)
            people[telegram_id] = user
        await session.commit()
    return people


async def plan_follow_ups(
    session_factory: async_sessionmaker[AsyncSession],
    people: dict[int, User],
    text: str,
    when: datetime,
    **extra: Any,
) -> None:
    """One follow-up message for each person, due at `when`."""
    async with session_factory() as session:
        await enqueue(
            session,
            [
                Planned(
                    key=f"test:{user.id}:{text}",
                    purpose="followup",
                    user_id=user.id,
                    payload={"kind": "followup", "text": text},
                    not_before=when,
                    **extra,
                )
                for user in people.values()
            ],
        )
        await session.commit()

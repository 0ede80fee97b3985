"""Programme figures for coordinators: who uses the bot, by role and language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.users import UserRepository
from bot.domain.roles import Role


@dataclass(frozen=True)
class PeopleCount:
    """Active users with one role and one language."""

    role: str | None
    language: str
    count: int


async def people_by_role_and_language(
    session: AsyncSession, coordinator_ids: frozenset[int]
) -> list[PeopleCount]:
    """Active users counted by role (None: not chosen yet) and language."""
    rows = await UserRepository(session).count_by_role_and_language(
        coordinator_ids, Role.COORDINATOR.value
    )
    return [PeopleCount(role, language, count) for role, language, count in rows]

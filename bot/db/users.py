"""Queries on the users table, kept in one place so services stay free of SQL details."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User


class UserRepository:
    """Reads and writes users within the caller's session (the unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_id: int) -> User | None:
        result = await self.session.execute(select(User).where(User.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def delete(self, telegram_id: int) -> bool:
        result = await self.session.execute(delete(User).where(User.telegram_id == telegram_id))
        return bool(getattr(result, "rowcount", 0))

    async def set_active(self, telegram_id: int, active: bool, when: datetime) -> bool:
        """Mark whether the bot may write to this user; False when they blocked it."""
        result = await self.session.execute(
            update(User)
            .where(User.telegram_id == telegram_id)
            .values(is_active=active, blocked_at=None if active else when)
        )
        return bool(getattr(result, "rowcount", 0))

    async def count_by_role_and_language(
        self, coordinator_ids: frozenset[int], coordinator_role: str
    ) -> list[tuple[str | None, str, int]]:
        """Active users grouped by role (settings' coordinators first) and language."""
        role = case(
            (User.telegram_id.in_(sorted(coordinator_ids)), coordinator_role), else_=User.role
        ).label("role")
        result = await self.session.execute(
            select(role, User.language, func.count())
            .where(User.is_active.is_(True))
            .group_by(role, User.language)
            .order_by(role, User.language)
        )
        return [(role, language, count) for role, language, count in result.all()]

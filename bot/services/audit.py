"""The audit log of coordinator actions: who did what to what, and when. Written in the same
transaction as the action, so an action that failed leaves no entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, User


def record(
    session: AsyncSession, actor: User | None, action: str, target: str, **details: Any
) -> None:
    """Note one action; `actor` None means the command line on the server."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            actor=f"telegram {actor.telegram_id}" if actor is not None else "cli",
            action=action,
            target=target,
            details=details,
        )
    )


async def latest(session: AsyncSession, limit: int = 50) -> list[AuditEntry]:
    rows = await session.execute(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return list(rows.scalars())

"""One-time invite links: a coordinator brings in another coordinator or a volunteer buddy.

A link works once and until it expires (7 days). Redeeming is one conditional UPDATE, so two
people opening the same link at once cannot both get the role. The role is granted only once
the person has agreed to the consent note; until then the code waits in the chat's state.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Invite, User, as_utc
from bot.domain.roles import Role

VALID_FOR = timedelta(days=7)
INVITABLE = (Role.COORDINATOR, Role.BUDDY)
PREFIX = "inv-"


async def create(session: AsyncSession, coordinator: User, role: Role, now: datetime) -> Invite:
    if role not in INVITABLE:
        raise ValueError(f"cannot invite as {role}")
    invite = Invite(
        code=secrets.token_urlsafe(12),
        role=role.value,
        created_by=coordinator.id,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(invite)
    await session.flush()
    return invite


async def usable(session: AsyncSession, code: str, now: datetime) -> Invite | None:
    """The invite behind a code, if it can still be used."""
    invite = (await session.execute(select(Invite).where(Invite.code == code))).scalar_one_or_none()
    if invite is None or invite.used_by is not None or as_utc(invite.expires_at) < now:
        return None
    return invite


async def redeem(session: AsyncSession, code: str, user: User, now: datetime) -> Role | None:
    """Use the invite for `user` (who has consented): their role, or None when it is gone."""
    invite = await usable(session, code, now)
    if invite is None:
        return None
    taken = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_by.is_(None))
        .values(used_by=user.id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    user.role = invite.role
    return Role(invite.role)

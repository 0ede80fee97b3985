"""Who a user is in the programme; it decides which menu entries and commands they get."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role. Parents and buddies choose theirs; coordinators come from settings."""

    PARENT = "parent"
    BUDDY = "buddy"
    COORDINATOR = "coordinator"


CHOOSABLE_ROLES: tuple[Role, ...] = (Role.PARENT, Role.BUDDY)


def effective_role(
    stored: Role | None, telegram_id: int, coordinator_ids: frozenset[int]
) -> Role | None:
    """The role that applies now: being listed in COORDINATOR_IDS overrides the stored choice."""
    if telegram_id in coordinator_ids:
        return Role.COORDINATOR
    return stored

"""Use cases of a user's own account: first contact, language, consent, role, export, erase.

Each function takes the caller's session and leaves committing to the caller (the db
middleware commits once per update), so one update is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    Club,
    FlowSession,
    FollowUp,
    HandoffRequest,
    Membership,
    Rsvp,
    SurveyAnswer,
    User,
    utcnow,
)
from bot.db.users import UserRepository
from bot.domain.languages import SUPPORTED_LANGUAGES, guess_language
from bot.domain.roles import CHOOSABLE_ROLES, Role, effective_role


class InvalidChoice(ValueError):
    """A value from a button or command that is not one we offer (stale or forged)."""


@dataclass(frozen=True)
class Onboarding:
    """Where a user stands in the first steps; the handlers show the next missing one."""

    needs_language: bool
    needs_consent: bool
    needs_role: bool

    @property
    def complete(self) -> bool:
        return not (self.needs_language or self.needs_consent or self.needs_role)


def onboarding_state(user: User, coordinator_ids: frozenset[int]) -> Onboarding:
    """What is still missing before the user can use the menu."""
    role = effective_role(_stored_role(user), user.telegram_id, coordinator_ids)
    return Onboarding(
        needs_language=not user.language_confirmed,
        needs_consent=user.consent_at is None,
        needs_role=role is None,
    )


def _stored_role(user: User) -> Role | None:
    try:
        return Role(user.role) if user.role else None
    except ValueError:
        return None


def role_of(user: User, coordinator_ids: frozenset[int]) -> Role | None:
    """The user's role now (coordinators by settings, others by their choice)."""
    return effective_role(_stored_role(user), user.telegram_id, coordinator_ids)


async def get_or_create_user(
    session: AsyncSession,
    telegram_id: int,
    language_code: str | None,
    default_locale: str,
    default_timezone: str,
) -> tuple[User, bool]:
    """Find the user, or create one with only the chat id and a guessed language."""
    repository = UserRepository(session)
    user = await repository.get(telegram_id)
    if user is not None:
        return user, False
    user = User(
        telegram_id=telegram_id,
        language=guess_language(language_code, default_locale),
        language_confirmed=False,
        timezone=default_timezone,
        is_active=True,
    )
    return await repository.add(user), True


def choose_language(user: User, code: str) -> None:
    """Store the user's explicit language choice; it wins over Telegram's guess from now on."""
    if code not in SUPPORTED_LANGUAGES:
        raise InvalidChoice(code)
    user.language = code
    user.language_confirmed = True


def give_consent(user: User, when: datetime | None = None) -> None:
    """Record that the user agreed to what the consent note describes."""
    if user.consent_at is None:
        user.consent_at = when or utcnow()


def choose_role(user: User, value: str) -> Role:
    """Store a self-chosen role (parent or buddy); coordinators are never self-chosen."""
    try:
        role = Role(value)
    except ValueError as error:
        raise InvalidChoice(value) from error
    if role not in CHOOSABLE_ROLES:
        raise InvalidChoice(value)
    user.role = role.value
    return role


@dataclass(frozen=True)
class UserData:
    """Everything stored about a user, for /mydata."""

    telegram_id: int
    language: str
    language_confirmed: bool
    role: Role | None
    consent_at: datetime | None
    timezone: str
    created_at: datetime
    guides: list[str]  # flow ids of the guides started, oldest first
    handoff_requests: int
    follow_ups_waiting: int
    # Clubs: (club name in the user's language, "member" or "waiting", the first name given).
    clubs: list[tuple[str, str, str]] = field(default_factory=list)
    club_answers: int = 0
    announcements_off: bool = False
    buddy_profile: bool = False  # a volunteer's sign-up (languages, area, ages, topics ...)
    buddy_requests: int = 0  # a family's requests for a buddy
    surveys: int = 0  # closing surveys answered
    buddy_matches: int = 0  # as a buddy or a family, with their check-ins (erased with them)


async def export_user_data(
    session: AsyncSession, user: User, coordinator_ids: frozenset[int]
) -> UserData:
    """Collect what is stored about the user; later features add their records here."""
    guides = await session.execute(
        select(FlowSession.flow_id).where(FlowSession.user_id == user.id).order_by(FlowSession.id)
    )
    handoffs = await session.execute(
        select(func.count()).select_from(HandoffRequest).where(HandoffRequest.user_id == user.id)
    )
    follow_ups = await session.execute(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.user_id == user.id, FollowUp.status == "pending")
    )
    memberships = await session.execute(
        select(Club, Membership)
        .join(Membership, Membership.club_id == Club.id)
        .where(Membership.user_id == user.id, Membership.status != "left")
        .order_by(Membership.id)
    )
    answers = await session.execute(
        select(func.count()).select_from(Rsvp).where(Rsvp.user_id == user.id)
    )

    async def count(model: Any) -> int:
        found = await session.execute(
            select(func.count()).select_from(model).where(model.user_id == user.id)
        )
        return int(found.scalar_one())

    clubs = [
        (
            club.name.get(user.language) or club.name.get(club.source_language) or "",
            membership.status,
            membership.display_name,
        )
        for club, membership in memberships.all()
    ]
    return UserData(
        telegram_id=user.telegram_id,
        language=user.language,
        language_confirmed=user.language_confirmed,
        role=role_of(user, coordinator_ids),
        consent_at=user.consent_at,
        timezone=user.timezone,
        created_at=user.created_at,
        guides=list(dict.fromkeys(guides.scalars().all())),
        handoff_requests=int(handoffs.scalar_one()),
        follow_ups_waiting=int(follow_ups.scalar_one()),
        clubs=clubs,
        club_answers=int(answers.scalar_one()),
        announcements_off=user.muted_at is not None,
        buddy_profile=bool(await count(BuddyProfile)),
        buddy_requests=await count(BuddyRequest),
        surveys=await count(SurveyAnswer),
        buddy_matches=int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(BuddyMatch)
                    .where(
                        (BuddyMatch.buddy_id == user.id) | (BuddyMatch.family_id == user.id),
                        BuddyMatch.status.in_(("active", "closed")),
                    )
                )
            ).scalar_one()
        ),
    )


async def delete_user(session: AsyncSession, telegram_id: int) -> bool:
    """Erase the user and everything that hangs on them (foreign keys cascade)."""
    return await UserRepository(session).delete(telegram_id)


async def set_reachable(session: AsyncSession, telegram_id: int, reachable: bool) -> bool:
    """Record that the user blocked (False) or unblocked (True) the bot."""
    return await UserRepository(session).set_active(telegram_id, reachable, utcnow())

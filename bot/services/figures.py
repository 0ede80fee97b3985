"""Programme figures for coordinators (`/stats`, `silta report`): people by role and language,
the guides' funnels, clubs and attendance, announcements delivered, requests for a person and
the buddy programme (buddies, families' requests, matches, check-in answers, closing surveys).
Counted from the tables that hold the truth; nothing is kept twice for the sake of figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import (
    Broadcast,
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    CheckIn,
    Club,
    FlowSession,
    HandoffRequest,
    Membership,
    Rsvp,
    SurveyAnswer,
    User,
)
from bot.db.users import UserRepository
from bot.delivery import outbox
from bot.domain.buddies.rhythm import BUDDY_ANSWERS, FAMILY_ANSWERS
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


@dataclass(frozen=True)
class GuideFunnel:
    """One guide: conversations started, finished, and the step where unfinished ones stand."""

    flow_id: str
    started: int
    finished: int
    stopped_at: dict[str, int]

    @property
    def share_finished(self) -> float:
        return self.finished / self.started if self.started else 0.0


@dataclass(frozen=True)
class ClubFigures:
    club_id: int
    name: dict[str, str]
    source_language: str
    members: int
    waiting: int
    coming: int  # "I'm coming" answers to reminders, all meetings so far
    not_coming: int


@dataclass(frozen=True)
class BroadcastFigures:
    broadcast_id: int
    started_at: datetime | None
    status: str
    total: int
    delivered: int
    blocked: int
    failed: int


# The buddy programme's states, in the order they are shown (a state not listed here still
# counts; it comes after these).
BUDDY_STATUSES = ("training", "ready", "approved", "paused", "declined")
REQUEST_STATUSES = ("waiting", "proposed", "matched", "closed", "withdrawn")
MATCH_STATUSES = ("proposed", "active", "rejected", "closed")
# Check-in answers by who is asked; a question without an answer is "open" until it is
# UNANSWERED_AFTER old, then "unanswered".
CHECKIN_ANSWERS = {"buddy": BUDDY_ANSWERS, "family": FAMILY_ANSWERS}
UNANSWERED = "unanswered"
OPEN = "open"
UNANSWERED_AFTER = timedelta(days=3)


def _ordered(known: Iterable[str], counted: Mapping[str, int]) -> dict[str, int]:
    """Every known key (zero when none), then any other key counted, alphabetically."""
    known = tuple(known)
    result = {key: int(counted.get(key, 0)) for key in known}
    result.update({key: int(counted[key]) for key in sorted(counted) if key not in known})
    return result


@dataclass(frozen=True)
class BuddyFigures:
    """The buddy programme: volunteers, families' requests and matches by status, check-in
    answers by who was asked (buddy, family), and closing surveys answered."""

    buddies: dict[str, int] = field(default_factory=lambda: _ordered(BUDDY_STATUSES, {}))
    requests: dict[str, int] = field(default_factory=lambda: _ordered(REQUEST_STATUSES, {}))
    matches: dict[str, int] = field(default_factory=lambda: _ordered(MATCH_STATUSES, {}))
    checkins: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            who: _ordered((*answers, UNANSWERED, OPEN), {})
            for who, answers in CHECKIN_ANSWERS.items()
        }
    )
    closing_surveys: int = 0

    @property
    def empty(self) -> bool:
        """Nothing in the programme yet (no volunteer, request, match or survey)."""
        counts = [*self.buddies.values(), *self.requests.values(), *self.matches.values()]
        counts += [count for answers in self.checkins.values() for count in answers.values()]
        return not any(counts) and not self.closing_surveys


@dataclass(frozen=True)
class Figures:
    """Everything `/stats` and `silta report` show, counted in one go."""

    generated_at: datetime
    people: list[PeopleCount]
    muted: int
    guides: list[GuideFunnel]
    clubs: list[ClubFigures]
    broadcasts: list[BroadcastFigures]
    requests: dict[str, int]
    buddy: BuddyFigures = field(default_factory=BuddyFigures)

    @property
    def people_total(self) -> int:
        return sum(row.count for row in self.people)

    def people_by_role(self) -> dict[str | None, int]:
        totals: dict[str | None, int] = {}
        for row in self.people:
            totals[row.role] = totals.get(row.role, 0) + row.count
        return totals


async def guide_funnels(session: AsyncSession) -> list[GuideFunnel]:
    """Per guide: every conversation (a restarted one counts again), the finished ones, and
    where the active ones stand now (the step where people stop)."""
    rows = await session.execute(
        select(FlowSession.flow_id, FlowSession.status, FlowSession.step, func.count()).group_by(
            FlowSession.flow_id, FlowSession.status, FlowSession.step
        )
    )
    started: dict[str, int] = {}
    finished: dict[str, int] = {}
    stopped: dict[str, dict[str, int]] = {}
    for flow_id, status, step, count in rows.all():
        started[flow_id] = started.get(flow_id, 0) + count
        if status == "finished":
            finished[flow_id] = finished.get(flow_id, 0) + count
        elif status == "active":
            at = stopped.setdefault(flow_id, {})
            at[step] = at.get(step, 0) + count
    return [
        GuideFunnel(
            flow_id,
            started[flow_id],
            finished.get(flow_id, 0),
            dict(sorted(stopped.get(flow_id, {}).items(), key=lambda item: (-item[1], item[0]))),
        )
        for flow_id in sorted(started)
    ]


async def club_figures(session: AsyncSession) -> list[ClubFigures]:
    memberships = await session.execute(
        select(Membership.club_id, Membership.status, func.count()).group_by(
            Membership.club_id, Membership.status
        )
    )
    by_club: dict[int, dict[str, int]] = {}
    for club_id, status, count in memberships.all():
        by_club.setdefault(club_id, {})[status] = count
    answers = await session.execute(
        select(Rsvp.club_id, Rsvp.coming, func.count()).group_by(Rsvp.club_id, Rsvp.coming)
    )
    coming: dict[tuple[int, bool], int] = {
        (club_id, bool(yes)): count for club_id, yes, count in answers.all()
    }
    clubs = await session.execute(select(Club).where(Club.active.is_(True)).order_by(Club.id))
    return [
        ClubFigures(
            club.id,
            dict(club.name or {}),
            club.source_language,
            by_club.get(club.id, {}).get("member", 0),
            by_club.get(club.id, {}).get("waiting", 0),
            coming.get((club.id, True), 0),
            coming.get((club.id, False), 0),
        )
        for club in clubs.scalars()
    ]


async def broadcast_figures(session: AsyncSession, limit: int = 20) -> list[BroadcastFigures]:
    """The latest announcements sent, newest first, with what became of their messages."""
    items = await session.execute(
        select(Broadcast)
        .where(Broadcast.status.in_(("sending", "cancelled", "done")))
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    result = []
    for item in items.scalars():
        counts = await outbox.counts(session, batch=f"broadcast:{item.id}")
        result.append(
            BroadcastFigures(
                item.id,
                item.started_at,
                item.status,
                item.total,
                counts.get("sent", 0),
                counts.get("blocked", 0),
                counts.get("failed", 0),
            )
        )
    return result


async def _by_status(session: AsyncSession, status: InstrumentedAttribute[str]) -> dict[str, int]:
    rows = await session.execute(select(status, func.count()).group_by(status))
    return {str(key): int(count) for key, count in rows.all()}


async def checkin_answers(session: AsyncSession, now: datetime) -> dict[str, dict[str, int]]:
    """Check-in answers by who was asked; unanswered questions are "unanswered" once due more
    than three days ago, else "open"."""
    answered = await session.execute(
        select(CheckIn.who, CheckIn.answer, func.count())
        .where(CheckIn.answer.is_not(None))
        .group_by(CheckIn.who, CheckIn.answer)
    )
    counted: dict[str, dict[str, int]] = {}
    for who, answer, count in answered.all():
        counted.setdefault(str(who), {})[str(answer)] = int(count)
    late = case((CheckIn.due_at < now - UNANSWERED_AFTER, 1), else_=0)
    waiting = await session.execute(
        select(CheckIn.who, func.count(), func.sum(late))
        .where(CheckIn.answer.is_(None))
        .group_by(CheckIn.who)
    )
    for who, count, overdue in waiting.all():
        answers = counted.setdefault(str(who), {})
        answers[UNANSWERED] = int(overdue or 0)
        answers[OPEN] = int(count) - int(overdue or 0)
    whos = [*CHECKIN_ANSWERS, *sorted(set(counted) - set(CHECKIN_ANSWERS))]
    return {
        who: _ordered((*CHECKIN_ANSWERS.get(who, ()), UNANSWERED, OPEN), counted.get(who, {}))
        for who in whos
    }


async def buddy_figures(session: AsyncSession, now: datetime) -> BuddyFigures:
    surveys = await session.execute(
        select(func.count()).select_from(SurveyAnswer).where(SurveyAnswer.kind == "closing")
    )
    return BuddyFigures(
        buddies=_ordered(BUDDY_STATUSES, await _by_status(session, BuddyProfile.status)),
        requests=_ordered(REQUEST_STATUSES, await _by_status(session, BuddyRequest.status)),
        matches=_ordered(MATCH_STATUSES, await _by_status(session, BuddyMatch.status)),
        checkins=await checkin_answers(session, now),
        closing_surveys=int(surveys.scalar_one()),
    )


async def collect(session: AsyncSession, coordinator_ids: frozenset[int], now: datetime) -> Figures:
    muted = await session.execute(
        select(func.count()).where(User.is_active.is_(True), User.muted_at.is_not(None))
    )
    requests = await session.execute(
        select(HandoffRequest.status, func.count()).group_by(HandoffRequest.status)
    )
    return Figures(
        generated_at=now,
        people=await people_by_role_and_language(session, coordinator_ids),
        muted=int(muted.scalar_one()),
        guides=await guide_funnels(session),
        clubs=await club_figures(session),
        broadcasts=await broadcast_figures(session),
        requests={status: int(count) for status, count in requests.all()},
        buddy=await buddy_figures(session, now),
    )

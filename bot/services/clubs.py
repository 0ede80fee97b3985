"""Use cases of clubs: create and find them, join and leave (with a waiting list), answer
whether one is coming, and cancel or move a meeting (members are told at once).

Messages that are not a reply to the person acting (a place freed, a meeting cancelled) leave
through the outbox; the renderers in bot/delivery/messages/clubs.py write them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Club, ClubChange, Membership, Rsvp, User, as_utc, utcnow
from bot.delivery.outbox import Planned, enqueue
from bot.domain.clubs.schedule import KEY_FORMAT, Change, Meeting, Schedule, ScheduleError

KINDS = ("family_club", "homework_group", "language_cafe", "sports", "other")


class ClubError(ValueError):
    """A club that cannot be stored as given; the text says why (for coordinators and CLI)."""


@dataclass
class ClubDraft:
    """What a coordinator gives to create a club (the wizard, the CLI or a CSV row)."""

    name: dict[str, str]
    kind: str
    address: str
    languages: list[str]
    capacity: int
    timezone: str
    first_date: date
    start_time: time
    minutes: int
    rule: str
    source_language: str = "fi"
    description: dict[str, str] = field(default_factory=dict)
    area: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    age_min: int = 0
    age_max: int = 18
    leader_id: int | None = None
    reminder_minutes: list[int] = field(default_factory=lambda: [1440, 120])


def schedule_of(club: Club, changes: list[ClubChange] | None = None) -> Schedule:
    return Schedule(
        club.timezone,
        club.first_date,
        club.start_time,
        club.minutes,
        club.rule,
        tuple(Change(c.kind, c.key, c.starts_local, c.minutes, c.note) for c in (changes or [])),
    )


def check_draft(draft: ClubDraft) -> None:
    """Refuse a draft that could not work, with a plain reason."""
    from bot.domain.languages import SUPPORTED_LANGUAGES

    if not any(text.strip() for text in draft.name.values()):
        raise ClubError("a club needs a name")
    if draft.kind not in KINDS:
        raise ClubError(f"kind must be one of {', '.join(KINDS)}")
    if not draft.address.strip():
        raise ClubError("a club needs an address")
    unknown = [code for code in draft.languages if code not in SUPPORTED_LANGUAGES]
    if unknown or not draft.languages:
        raise ClubError(f"languages must be codes of {', '.join(SUPPORTED_LANGUAGES)}")
    if not 1 <= draft.capacity <= 1000:
        raise ClubError("capacity must be from 1 to 1000")
    if not 0 <= draft.age_min <= draft.age_max <= 99:
        raise ClubError("ages must be like 0-12")
    if any(minutes <= 0 for minutes in draft.reminder_minutes):
        raise ClubError("reminders are minutes before the meeting, more than 0")
    try:
        Schedule(draft.timezone, draft.first_date, draft.start_time, draft.minutes, draft.rule)
    except ScheduleError as error:
        raise ClubError(str(error)) from error


async def create_club(session: AsyncSession, draft: ClubDraft) -> Club:
    check_draft(draft)
    club = Club(
        name={k: v.strip() for k, v in draft.name.items() if v.strip()},
        description=draft.description,
        source_language=draft.source_language,
        kind=draft.kind,
        address=draft.address.strip(),
        area=draft.area,
        latitude=draft.latitude,
        longitude=draft.longitude,
        languages=draft.languages,
        age_min=draft.age_min,
        age_max=draft.age_max,
        capacity=draft.capacity,
        leader_id=draft.leader_id,
        timezone=draft.timezone,
        first_date=draft.first_date,
        start_time=draft.start_time,
        minutes=draft.minutes,
        rule=draft.rule,
        reminder_minutes=draft.reminder_minutes,
    )
    session.add(club)
    await session.flush()
    return club


def localized(texts: dict[str, str], language: str, source: str) -> str:
    """A club's own text in the reader's language, else in the language it was written in."""
    return texts.get(language) or texts.get(source) or next(iter(texts.values()), "")


async def changes_of(session: AsyncSession, club_id: int) -> list[ClubChange]:
    rows = await session.execute(select(ClubChange).where(ClubChange.club_id == club_id))
    return list(rows.scalars())


class Timetable(NamedTuple):
    """A club as the reminder planner reads it: its schedule with its recent changes, and when
    to remind. A tuple, cheap to make and to compare, so that a planner can keep what it
    worked out from it while it stays the same."""

    club_id: int
    timezone: str
    first_date: date
    start_time: time
    minutes: int
    rule: str
    reminder_minutes: tuple[int, ...]
    changes: tuple[Change, ...]
    changed_at: datetime | None  # when the newest of those changes was made

    def schedule(self, first: date | None = None) -> Schedule:
        """The schedule, optionally from a later first date with the same meetings."""
        return Schedule(
            self.timezone,
            first or self.first_date,
            self.start_time,
            self.minutes,
            self.rule,
            self.changes,
        )


async def timetables(session: AsyncSession, changes_from: str) -> list[Timetable]:
    """Every active club's timetable, in two queries. Changes both of and to a time before
    `changes_from` (a date, 'YYYY-MM-DD') are left out: they cannot touch the meetings of a
    window that begins days after it."""
    changes: dict[int, list[ClubChange]] = {}
    recent = or_(
        ClubChange.key >= changes_from,
        ClubChange.starts_local >= datetime.fromisoformat(changes_from),
    )
    found = await session.execute(select(ClubChange).where(recent))
    for change in found.scalars():
        changes.setdefault(change.club_id, []).append(change)
    rows = await session.execute(
        select(
            Club.id,
            Club.timezone,
            Club.first_date,
            Club.start_time,
            Club.minutes,
            Club.rule,
            Club.reminder_minutes,
        ).where(Club.active.is_(True))
    )
    tables = []
    for club_id, timezone, first_date, start_time, minutes, rule, reminder_minutes in rows:
        mine = sorted(changes.get(club_id, ()), key=lambda change: change.id)
        tables.append(
            Timetable(
                club_id,
                timezone,
                first_date,
                start_time,
                minutes,
                rule,
                tuple(reminder_minutes or ()),
                tuple(Change(c.kind, c.key, c.starts_local, c.minutes, c.note) for c in mine)
                if mine
                else (),
                max(as_utc(c.created_at) for c in mine) if mine else None,
            )
        )
    return tables


@dataclass(frozen=True)
class Reminded:
    """A member who wants a club's reminders: since when, and in which time zone."""

    club_id: int
    user_id: int
    since: datetime
    timezone: str


async def reminded_members(
    session: AsyncSession,
    club_ids: Iterable[int] | None = None,
    joined_after: datetime | None = None,
    chunk: int = 1000,
) -> list[Reminded]:
    """The active members who want reminders, of these clubs (a query per `chunk` clubs) or of
    every club, optionally only those who joined after a time."""
    query = (
        select(Membership.club_id, Membership.user_id, Membership.since, User.timezone)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.status == "member",
            Membership.reminders.is_(True),
            User.is_active.is_(True),
        )
    )
    if joined_after is not None:
        query = query.where(Membership.since > joined_after)
    ids = sorted(set(club_ids)) if club_ids is not None else None
    parts = (
        [query]
        if ids is None
        else [
            query.where(Membership.club_id.in_(ids[start : start + chunk]))
            for start in range(0, len(ids), chunk)
        ]
    )
    found: list[Reminded] = []
    for part in parts:
        found.extend(
            Reminded(club_id, user_id, as_utc(since), timezone)
            for club_id, user_id, since, timezone in await session.execute(part)
        )
    return found


async def member_time_zones(session: AsyncSession) -> set[str]:
    """The time zones of the people the bot can write to (some of them are club members)."""
    rows = await session.execute(select(User.timezone).where(User.is_active.is_(True)).distinct())
    return set(rows.scalars())


async def upcoming(
    session: AsyncSession, club: Club, now: datetime, count: int = 3, days: int = 120
) -> list[Meeting]:
    """The next meetings that will happen (cancelled ones left out), also for a club whose
    first meeting is still months away."""
    schedule = schedule_of(club, await changes_of(session, club.id))
    begins = schedule.to_utc(datetime.combine(club.first_date, club.start_time))
    start = max(now, begins - timedelta(days=1))
    found = schedule.meetings(now, start + timedelta(days=days))
    return found[:count]


async def meeting(session: AsyncSession, club: Club, key: str) -> Meeting | None:
    """One meeting by key, cancelled or not."""
    return schedule_of(club, await changes_of(session, club.id)).meeting(key)


@dataclass
class ClubView:
    club: Club
    members: int
    waiting: int
    mine: Membership | None

    @property
    def full(self) -> bool:
        return self.members >= self.club.capacity


async def view(session: AsyncSession, club: Club, user: User | None) -> ClubView:
    counts = dict(
        (
            await session.execute(
                select(Membership.status, func.count())
                .where(Membership.club_id == club.id)
                .group_by(Membership.status)
            )
        ).all()
    )
    mine = None
    if user is not None:
        mine = (
            await session.execute(
                select(Membership).where(
                    Membership.club_id == club.id,
                    Membership.user_id == user.id,
                    Membership.status != "left",
                )
            )
        ).scalar_one_or_none()
    return ClubView(club, int(counts.get("member", 0)), int(counts.get("waiting", 0)), mine)


async def clubs_for(session: AsyncSession, user: User) -> list[Club]:
    """Active clubs, those where the user's language is spoken first, then by name."""
    clubs = list((await session.execute(select(Club).where(Club.active.is_(True)))).scalars())
    return sorted(
        clubs,
        key=lambda c: (
            user.language not in c.languages,
            localized(c.name, user.language, c.source_language).casefold(),
        ),
    )


async def join(session: AsyncSession, club: Club, user: User, name: str) -> str:
    """Join a club: 'member', 'waiting' (it is full), or 'already' (nothing changed)."""
    current = await view(session, club, user)
    if current.mine is not None:
        return "already"
    status = "waiting" if current.full else "member"
    existing = (
        await session.execute(
            select(Membership).where(Membership.club_id == club.id, Membership.user_id == user.id)
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(Membership(club_id=club.id, user_id=user.id, status=status, display_name=name))
    else:  # came back after leaving
        existing.status, existing.display_name, existing.reminders = status, name, True
        existing.since = utcnow()
    await session.flush()
    return status


async def leave(session: AsyncSession, club: Club, user: User, now: datetime) -> User | None:
    """Leave a club (or its waiting list). A member's place goes to the first one waiting,
    who is told through the outbox; returns that person, if any."""
    mine = (await view(session, club, user)).mine
    if mine is None:
        return None
    was_member = mine.status == "member"
    mine.status = "left"
    await session.flush()
    if not was_member:
        return None
    return await promote(session, club, now)


async def promote(session: AsyncSession, club: Club, now: datetime) -> User | None:
    """Give a free place to whoever has waited longest."""
    current = await view(session, club, None)
    if current.full:
        return None
    first = (
        await session.execute(
            select(Membership)
            .where(Membership.club_id == club.id, Membership.status == "waiting")
            .order_by(Membership.since, Membership.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is None:
        return None
    first.status = "member"
    first.since = now
    await session.flush()
    await enqueue(
        session,
        [
            Planned(
                key=f"club_place:{club.id}:{first.user_id}:{now.strftime(KEY_FORMAT)}",
                purpose="club_place",
                user_id=first.user_id,
                payload={"kind": "club_place", "club_id": club.id},
                not_before=now,
            )
        ],
    )
    return await session.get(User, first.user_id)


async def set_reminders(session: AsyncSession, club: Club, user: User, on: bool) -> bool:
    mine = (await view(session, club, user)).mine
    if mine is None:
        return False
    mine.reminders = on
    await session.flush()
    return True


async def answer(session: AsyncSession, club: Club, user: User, key: str, coming: bool) -> None:
    """Store (or change) a member's answer for one meeting."""
    existing = (
        await session.execute(
            select(Rsvp).where(
                Rsvp.club_id == club.id, Rsvp.user_id == user.id, Rsvp.meeting_key == key
            )
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(Rsvp(club_id=club.id, user_id=user.id, meeting_key=key, coming=coming))
    else:
        existing.coming = coming
    await session.flush()


@dataclass
class Attendance:
    coming: list[str]
    not_coming: list[str]
    no_answer: int


async def attendance(session: AsyncSession, club: Club, key: str) -> Attendance:
    """Who said they are coming to a meeting (first names), for the leader."""
    members = list(
        (
            await session.execute(
                select(Membership).where(
                    Membership.club_id == club.id, Membership.status == "member"
                )
            )
        ).scalars()
    )
    answers = {
        row.user_id: row.coming
        for row in (
            await session.execute(
                select(Rsvp).where(Rsvp.club_id == club.id, Rsvp.meeting_key == key)
            )
        ).scalars()
    }
    coming = sorted(m.display_name or "?" for m in members if answers.get(m.user_id) is True)
    away = sorted(m.display_name or "?" for m in members if answers.get(m.user_id) is False)
    return Attendance(coming, away, sum(1 for m in members if m.user_id not in answers))


async def change_meeting(
    session: AsyncSession,
    club: Club,
    key: str,
    now: datetime,
    new_start: datetime | None = None,
    note: str | None = None,
) -> Meeting:
    """Cancel a meeting (no `new_start`) or move it; every member is told at once (urgent)."""
    before = await meeting(session, club, key)
    if before is None:
        raise ClubError(f"no meeting {key}")
    if before.starts_at < now:
        raise ClubError("that meeting has started already")
    if new_start is not None and schedule_of(club).to_utc(new_start) < now:
        raise ClubError("the new time has passed already")  # checked before anything changes
    kind = "move" if new_start is not None else "cancel"
    existing = (
        await session.execute(
            select(ClubChange).where(ClubChange.club_id == club.id, ClubChange.key == key)
        )
    ).scalar_one_or_none()
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    change = ClubChange(club_id=club.id, kind=kind, key=key, starts_local=new_start, note=note)
    session.add(change)
    await session.flush()
    after = await meeting(session, club, key)
    assert after is not None
    await _tell_members(
        session,
        club,
        change,
        {"change": kind, "was": before.starts_at.isoformat(), "now": after.starts_at.isoformat()},
        now,
        expires_at=min(before.starts_at, after.starts_at),
        urgent=True,
    )
    return after


async def add_meeting(
    session: AsyncSession,
    club: Club,
    starts_local: datetime,
    now: datetime,
    note: str | None = None,
) -> Meeting:
    """An extra meeting outside the rule (a party, a holiday replacement); members are told."""
    key = starts_local.strftime(KEY_FORMAT)
    schedule = schedule_of(club, await changes_of(session, club.id))
    if schedule.meeting(key) is not None:
        raise ClubError(f"there is a meeting at {key} already")
    if schedule.to_utc(starts_local) < now:
        raise ClubError("that time has passed already")
    change = ClubChange(club_id=club.id, kind="add", key=key, starts_local=starts_local, note=note)
    session.add(change)
    await session.flush()
    added = await meeting(session, club, key)
    assert added is not None
    starts = added.starts_at.isoformat()
    await _tell_members(
        session,
        club,
        change,
        {"change": "add", "was": starts, "now": starts},
        now,
        expires_at=added.starts_at,
        urgent=False,
    )
    return added


async def _tell_members(
    session: AsyncSession,
    club: Club,
    change: ClubChange,
    facts: dict[str, Any],
    now: datetime,
    expires_at: datetime,
    urgent: bool,
) -> None:
    """Plan the notice of a changed meeting for every member (rendered in their language)."""
    members = (
        await session.execute(
            select(Membership.user_id).where(
                Membership.club_id == club.id, Membership.status == "member"
            )
        )
    ).scalars()
    payload = {
        "kind": "meeting_change",
        "club_id": club.id,
        "key": change.key,
        "note": change.note,
        **facts,
    }
    await enqueue(
        session,
        [
            Planned(
                key=f"meeting_change:{club.id}:{change.key}:{change.id}:{user_id}",
                purpose="meeting_change",
                user_id=user_id,
                payload=payload,
                not_before=now,
                expires_at=expires_at,
                urgent=urgent,
            )
            for user_id in members
        ],
    )


async def members_and_waiting(session: AsyncSession, user: User) -> list[tuple[Club, Membership]]:
    """The clubs a user is in or waiting for (for /mydata and the club list)."""
    rows = await session.execute(
        select(Club, Membership)
        .join(Membership, Membership.club_id == Club.id)
        .where(Membership.user_id == user.id, Membership.status != "left")
    )
    return [(club, membership) for club, membership in rows.all()]

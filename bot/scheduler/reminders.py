"""The club-reminder planner: each tick plans the reminders whose time comes by a few minutes
from now, from where the last tick stopped.

How far it planned is kept in `planner_marks`, written in the tick's own transaction, so a
crash loses nothing and a restart goes on from the mark: a reminder whose time passed while no
tick ran goes out late if its meeting is still ahead, else it is recorded as skipped, once.
Nothing is planned twice: a reminder's key is unique, so two processes at once, a tick after a
crash or a clock set back store each reminder once. Within a tick:

- only the clubs with a meeting whose reminder moment can be sent in the window are read with
  their members (bot/domain/clubs/due.py: where some member's quiet hours end in the window,
  it reaches back over the night), a few hundred clubs at a time;
- a member who joined since shortly before the last tick is looked at from then, so joining
  minutes before a reminder's time still brings it (the last tick planned that time already);
- a club whose meetings changed since then is looked at over the whole look-back, as after a
  downtime: a meeting moved earlier may have a reminder time already behind us;
- each club's meetings come from a cache kept between ticks (meetings_ahead.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import Planned, enqueue, record_skipped
from bot.domain.clubs.due import earliest_moment
from bot.domain.clubs.reminders import PlannedReminder, plan
from bot.domain.clubs.schedule import Meeting, ScheduleError
from bot.scheduler.marks import read_mark, write_mark
from bot.scheduler.meetings_ahead import MeetingsAhead
from bot.scheduler.tick import LOOKAHEAD, Tick
from bot.services.clubs import (
    Reminded,
    Timetable,
    member_time_zones,
    reminded_members,
    timetables,
)

log = structlog.get_logger("silta.scheduler")

LOOKBACK = timedelta(days=1)  # meetings this recent still get their missed reminders recorded
GRACE = timedelta(minutes=1)  # a join or change committed while the last tick ran is seen
REMINDERS = "reminders"  # the planner's row in planner_marks
YIELD_EVERY = 250  # clubs looked at between two turns of the event loop
CLUBS_AT_ONCE = 250  # clubs whose members and reminders are held in memory at once
SKIPPED = "the meeting was too close or over when planned"
_MEETINGS = MeetingsAhead()  # each club's meetings, kept between ticks (a pure cache)


async def plan_reminders(session: AsyncSession, tick: Tick) -> int:
    """Reminders of club meetings whose time comes by LOOKAHEAD from now, for every member who
    wants them; returns how many were newly planned."""
    until = tick.now + LOOKAHEAD
    mark = await read_mark(session, REMINDERS)
    tables = await timetables(session, (tick.now - LOOKBACK - timedelta(days=3)).date().isoformat())
    if mark is None or mark - LOOKAHEAD - GRACE >= until:
        # Never planned, or the clock was set back before the last tick: the whole look-back.
        added = await _plan(session, tick, tables, _Window(None, until))
    else:
        seen = mark - LOOKAHEAD - GRACE  # what was committed by then, the last tick saw
        since = min(mark, until)
        zones = frozenset(await member_time_zones(session))
        added = await _plan(session, tick, tables, _Window(since, until, seen, zones))
        joined = await reminded_members(session, joined_after=seen)
        if joined:
            zones = frozenset(member.timezone for member in joined)
            added += await _plan(session, tick, tables, _Window(seen, since, seen, zones), joined)
    _MEETINGS.sweep()
    await write_mark(session, REMINDERS, until)
    return added


@dataclass(frozen=True)
class _Window:
    """Reminders sent in (since, until] (since None: the whole look-back); a club changed after
    `changed_after` is looked at over the whole look-back; `zones`: the members' time zones."""

    since: datetime | None
    until: datetime
    changed_after: datetime | None = None
    zones: frozenset[str] = frozenset()


async def _plan(
    session: AsyncSession,
    tick: Tick,
    tables: list[Timetable],
    window: _Window,
    members: Sequence[Reminded] | None = None,
) -> int:
    """Plan the reminders of one window, for every member or only for `members`; how many
    were new."""
    earliest = None
    if window.since is not None:
        earliest = earliest_moment(window.since, window.until, tick.quiet, window.zones)
    clubs = None if members is None else {member.club_id for member in members}
    due: list[_Due] = []
    for count, table in enumerate(tables, start=1):
        if clubs is not None and table.club_id not in clubs:
            continue
        found = _due(table, tick.now, window, earliest)
        if found is not None:
            due.append(found)
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # the bot answers people in the meantime
    added = 0
    for start in range(0, len(due), CLUBS_AT_ONCE):
        batch = due[start : start + CLUBS_AT_ONCE]
        ids = {club.table.club_id for club in batch}
        if members is None:
            found_members = await reminded_members(session, club_ids=ids)
        else:
            found_members = [member for member in members if member.club_id in ids]
        added += await _store(session, tick, batch, found_members)
    return added


@dataclass(frozen=True)
class _Reminding:
    """A meeting with what all its reminders share: the start of their key, their payload."""

    meeting: Meeting
    key: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, club_id: int, meeting: Meeting) -> _Reminding:
        key = f"reminder:{club_id}:{meeting.key}:{meeting.starts_at:%Y%m%dT%H%M}"
        payload = {
            "kind": "reminder",
            "club_id": club_id,
            "key": meeting.key,
            "starts_at": meeting.starts_at.isoformat(),
        }
        return cls(meeting, key, payload)


@dataclass(frozen=True)
class _Due:
    """A club with meetings whose reminders may be sent in (since, until]."""

    table: Timetable
    since: datetime
    until: datetime
    meetings: list[_Reminding]


def _due(
    table: Timetable, now: datetime, window: _Window, earliest: datetime | None
) -> _Due | None:
    """The club's meetings with a reminder moment that can be sent in the window (all those of
    the look-back when the club changed since the last tick)."""
    since, until = window.since, window.until
    after = window.changed_after
    if after is not None and table.changed_at is not None and table.changed_at > after:
        since = earliest = None
    start = now - LOOKBACK if since is None else max(now - LOOKBACK, since)
    # Meetings starting up to the window's end plus the longest reminder (that one included).
    before = until + timedelta(minutes=max(table.reminder_minutes, default=0), microseconds=1)
    moments = None if earliest is None else (earliest, until)
    try:
        meetings = _MEETINGS.between(table, start, before, moments)
    except ScheduleError:
        log.warning("club_schedule_unusable", club=table.club_id)
        return None
    if not meetings:
        return None
    return _Due(
        table,
        since or datetime.min.replace(tzinfo=UTC),
        until,
        [_Reminding.of(table.club_id, meeting) for meeting in meetings],
    )


async def _store(
    session: AsyncSession, tick: Tick, clubs: list[_Due], members: Sequence[Reminded]
) -> int:
    """Plan (or record as skipped) the members' reminders sent in their club's window, in key
    order (two processes storing the same keys lock them in the same order); how many were
    new."""
    by_club = {club.table.club_id: club for club in clubs}
    planned: list[Planned] = []
    missed: list[Planned] = []
    # The same meeting gives the same reminders to every member in one time zone.
    plans: dict[tuple[int, datetime, str], list[PlannedReminder]] = {}
    for member in members:
        club = by_club[member.club_id]
        for meeting in club.meetings:
            starts_at = meeting.meeting.starts_at
            reminders = plans.get((member.club_id, starts_at, member.timezone))
            if reminders is None:
                minutes = club.table.reminder_minutes
                reminders = plan(starts_at, minutes, member.timezone, tick.quiet)
                plans[(member.club_id, starts_at, member.timezone)] = reminders
            for reminder in reminders:
                sent = reminder.send_at
                if not club.since < sent <= club.until or sent < member.since:
                    continue
                item = Planned(
                    key=f"{meeting.key}:{member.user_id}:{reminder.minutes_before}",
                    purpose="reminder",
                    user_id=member.user_id,
                    payload=meeting.payload,
                    not_before=sent,
                    expires_at=reminder.useful_until,
                )
                (missed if tick.now > reminder.useful_until else planned).append(item)
    added = await enqueue(session, sorted(planned, key=lambda item: item.key))
    await record_skipped(session, sorted(missed, key=lambda item: item.key), SKIPPED)
    return added

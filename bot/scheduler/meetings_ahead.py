"""Each club's meetings over the coming hour or so, worked out once and kept between ticks.

Working out a club's meetings (its RRULE in its time zone, with its changes) costs far more
than looking at them, and a tick every 30 seconds asks for nearly the same window each time.
The cache is keyed by the club's whole timetable (rule, zone, times, changes), so an edit or a
cancelled meeting is seen at the next tick; it holds nothing but what that timetable gives, so a
restart or a second process only works it out again. Each club's entry reaches a different
number of minutes further, so that after a restart the clubs are not all worked out again on
the same tick an hour later.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.clubs.rule_start import later_start
from bot.domain.clubs.schedule import Meeting
from bot.services.clubs import Timetable

SPARE = timedelta(minutes=30)  # an entry reaches this much (plus up to an hour) further
DAYS_BEFORE = timedelta(days=3)  # Schedule.meetings reads two local days before its window


@dataclass(frozen=True)
class _Entry:
    after: datetime
    before: datetime
    meetings: tuple[Meeting, ...]
    # Every reminder moment (the start less each reminder's minutes), in time order, with the
    # meeting's place in `meetings`.
    moments: tuple[tuple[datetime, int], ...]


class MeetingsAhead:
    """The meetings of a timetable in a window, optionally only those with a reminder moment
    in a range; `sweep()` after each tick."""

    def __init__(self) -> None:
        self._entries: dict[Timetable, _Entry] = {}
        self._used: dict[Timetable, _Entry] = {}

    def between(
        self,
        table: Timetable,
        after: datetime,
        before: datetime,
        moments: tuple[datetime, datetime] | None = None,
    ) -> list[Meeting]:
        """Meetings starting in [after, before); with `moments` (first, last), only those with
        a reminder moment from first to last."""
        entry = self._entry(table, after, before)
        places: Iterable[int] = range(len(entry.meetings))
        if moments is not None:
            first, last = moments
            start = bisect_left(entry.moments, (first, -1))
            places = sorted({place for moment, place in entry.moments[start:] if moment <= last})
        found = (entry.meetings[place] for place in places)
        return [meeting for meeting in found if after <= meeting.starts_at < before]

    def sweep(self) -> None:
        """Forget the timetables not asked for since the last sweep (edited, closed clubs)."""
        self._entries, self._used = self._used, {}

    def _entry(self, table: Timetable, after: datetime, before: datetime) -> _Entry:
        entry = self._used.get(table) or self._entries.get(table)
        if entry is None or after < entry.after or before > entry.before:
            reach = before + SPARE + timedelta(minutes=table.club_id % 60)
            first = later_start(table.rule, table.first_date, (after - DAYS_BEFORE).date())
            meetings = tuple(table.schedule(first).meetings(after, reach))
            moments = sorted(
                (meeting.starts_at - timedelta(minutes=minutes), place)
                for place, meeting in enumerate(meetings)
                for minutes in table.reminder_minutes
            )
            entry = _Entry(after, reach, meetings, tuple(moments))
        self._used[table] = entry
        return entry

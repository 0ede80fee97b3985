"""When a club meets: a recurrence rule in the club's own time zone, with single meetings
cancelled, moved or added.

Meetings recur at the same local time ("Tuesdays 17:00 in Kuopio") across daylight-saving
changes, so the rule runs on local wall-clock times (python-dateutil's rrule) and each meeting
is turned into UTC on its own day (zoneinfo). A meeting is known by its key, the local start it
had in the rule ("2026-12-01T17:00"), which stays the same when the meeting is moved, so that
answers and reminders stay attached to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

KEY_FORMAT = "%Y-%m-%dT%H:%M"


class ScheduleError(ValueError):
    """A schedule that cannot be used (a bad rule, time zone or time); the text says why."""


@dataclass(frozen=True)
class Meeting:
    """One meeting: when it starts and ends (UTC), and what happened to it."""

    key: str
    starts_at: datetime
    ends_at: datetime
    status: str = "planned"  # planned, moved, added, cancelled
    note: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class Change:
    """A change to one meeting: `cancel` or `move` a meeting of the rule, or `add` one."""

    kind: str  # cancel, move, add
    key: str  # the meeting's key (for add: its own local start)
    starts_local: datetime | None = None  # move and add: the new local start
    minutes: int | None = None  # move and add: the new length (default: the club's)
    note: str | None = None


@dataclass(frozen=True)
class Schedule:
    """A club's meetings: `rule` is an RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=TU") from `first`
    at `start` local time, each `minutes` long, in `timezone`."""

    timezone: str
    first: date
    start: time
    minutes: int
    rule: str
    changes: tuple[Change, ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as error:
            raise ScheduleError(f"unknown time zone {self.timezone!r}") from error
        if not 5 <= self.minutes <= 24 * 60:
            raise ScheduleError("a meeting lasts from 5 minutes to 24 hours")
        self._rule()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _rule(self) -> rrule:
        start = datetime.combine(self.first, self.start)
        try:
            parsed = rrulestr(self.rule, dtstart=start, forceset=False)
        except (ValueError, TypeError) as error:
            raise ScheduleError(f"not a recurrence rule: {self.rule!r} ({error})") from error
        if not isinstance(parsed, rrule):
            raise ScheduleError("one RRULE only; cancel or add single meetings as changes")
        return parsed

    def to_utc(self, local: datetime) -> datetime:
        """A local wall-clock time in the club's zone as UTC. A time that does not exist (the
        hour skipped in spring) moves forward; an ambiguous one (autumn) takes the first."""
        # PEP 495: with fold=0 a time in the gap takes the offset before it (so it lands after
        # the gap), and an ambiguous time is its first occurrence.
        return local.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def meetings(
        self, after: datetime, before: datetime, include_cancelled: bool = False
    ) -> list[Meeting]:
        """Meetings starting in [after, before) (aware datetimes), in time order."""
        zone = self.zone
        # Widen the local window by a day each side: offsets change across the window.
        local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=2)
        local_before = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=2)
        length = timedelta(minutes=self.minutes)
        by_key: dict[str, Meeting] = {}
        for local in self._rule().between(local_after, local_before, inc=True):
            key = local.strftime(KEY_FORMAT)
            starts = self.to_utc(local)
            by_key[key] = Meeting(key, starts, starts + length)
        for change in self.changes:
            by_key = self._apply(change, by_key, length)
        found = [
            meeting
            for meeting in by_key.values()
            if after <= meeting.starts_at < before and (include_cancelled or not meeting.cancelled)
        ]
        return sorted(found, key=lambda meeting: (meeting.starts_at, meeting.key))

    def _apply(
        self, change: Change, by_key: dict[str, Meeting], length: timedelta
    ) -> dict[str, Meeting]:
        if change.kind == "cancel":
            if change.key in by_key:
                old = by_key[change.key]
                by_key[change.key] = Meeting(
                    old.key, old.starts_at, old.ends_at, "cancelled", change.note
                )
            return by_key
        if change.starts_local is None:
            return by_key
        starts = self.to_utc(change.starts_local)
        minutes = timedelta(minutes=change.minutes) if change.minutes else length
        if change.kind == "move" and change.key in by_key:
            by_key[change.key] = Meeting(change.key, starts, starts + minutes, "moved", change.note)
        elif change.kind == "add":
            by_key[change.key] = Meeting(change.key, starts, starts + minutes, "added", change.note)
        return by_key

    def meeting(self, key: str, around: datetime | None = None) -> Meeting | None:
        """The meeting with this key (cancelled ones too), or None."""
        try:
            local = datetime.strptime(key, KEY_FORMAT)
        except ValueError:
            return None
        moved = [c.starts_local for c in self.changes if c.key == key and c.starts_local]
        candidates = [local, *moved]
        after = min(self.to_utc(moment) for moment in candidates) - timedelta(days=1)
        before = max(self.to_utc(moment) for moment in candidates) + timedelta(days=1)
        found = self.meetings(after, before, include_cancelled=True)
        return next((meeting for meeting in found if meeting.key == key), None)


def weekly_rule(weekday: int, every_weeks: int = 1) -> str:
    """The RRULE for "every (other) week on a weekday" (0 = Monday), as the wizard builds it."""
    days = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    interval = f";INTERVAL={every_weeks}" if every_weeks > 1 else ""
    return f"FREQ=WEEKLY{interval};BYDAY={days[weekday]}"


def compact_key(key: str) -> str:
    """'2026-12-01T17:00' -> '202612011700', for button data (which may not hold ':')."""
    return key.replace("-", "").replace("T", "").replace(":", "")


def full_key(compact: str) -> str:
    """'202612011700' -> '2026-12-01T17:00' (anything else is returned as it is)."""
    if len(compact) != 12 or not compact.isdigit():
        return compact
    return f"{compact[:4]}-{compact[4:6]}-{compact[6:8]}T{compact[8:10]}:{compact[10:]}"

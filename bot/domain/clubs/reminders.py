"""When to remind a member of a meeting: some time before it (24 and 2 hours by default), never
in the member's quiet hours (21:00 to 08:00 where they live), and only while still useful.

A reminder that would fall in the quiet hours goes out when they end (08:00), if that is still
early enough before the meeting; two reminders that would land at the same moment are sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_MINUTES_BEFORE = (24 * 60, 2 * 60)
# Closer to the meeting than this, a reminder does not help anyone get there.
LAST_USEFUL = timedelta(minutes=15)


@dataclass(frozen=True)
class QuietHours:
    """Local hours with nothing non-urgent sent; `start` after `end` spans midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, timezone: str) -> datetime:
        """`moment` itself when it is outside the quiet hours, else the end of them (aware)."""
        zone = ZoneInfo(timezone)
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        end = datetime.combine(day, self.end).replace(tzinfo=zone, fold=0)
        return end.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class PlannedReminder:
    minutes_before: int
    send_at: datetime
    useful_until: datetime


def plan(
    starts_at: datetime,
    minutes_before: tuple[int, ...] | list[int],
    timezone: str,
    quiet: QuietHours = QuietHours(),
) -> list[PlannedReminder]:
    """The reminders of one meeting for a member in `timezone`, earliest first."""
    useful_until = starts_at - LAST_USEFUL
    planned: dict[datetime, PlannedReminder] = {}
    for minutes in sorted(set(minutes_before), reverse=True):  # earliest reminder first
        send_at = quiet.next_allowed(starts_at - timedelta(minutes=minutes), timezone)
        if send_at > useful_until:
            continue
        # A later reminder landing on the same moment replaces the earlier one.
        planned[send_at] = PlannedReminder(minutes, send_at, useful_until)
    return sorted(planned.values(), key=lambda reminder: reminder.send_at)

"""Which reminders can come due in a window of send times, known before any member is read.

A reminder is sent at its moment (the meeting's start less its minutes) or, when that moment
falls in the member's quiet hours, when they end. So the reminders sent in (since, until] have
their moments in the same window, and, where the quiet hours end inside it in some member's
time zone, as early as the start of those quiet hours. A planner reads the members only of the
clubs with a meeting whose moment lies in that range.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clubs.reminders import QuietHours

# A daylight-saving change inside the quiet hours makes them up to an hour longer.
CLOCK_CHANGE = timedelta(hours=1)


def quiet_length(quiet: QuietHours) -> timedelta:
    """How long the quiet hours last by the wall clock (0: there are none)."""
    start = quiet.start.hour * 60 + quiet.start.minute
    end = quiet.end.hour * 60 + quiet.end.minute
    return timedelta(minutes=(end - start) % (24 * 60))


def first_quiet_end(quiet: QuietHours, zone: str, after: datetime) -> datetime:
    """The first end of the quiet hours in `zone` strictly after `after` (aware)."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    end = datetime.combine(local.date(), quiet.end).replace(tzinfo=tz, fold=0)
    if end <= after:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end).replace(
            tzinfo=tz, fold=0
        )
    return end.astimezone(after.tzinfo)


def earliest_moment(
    since: datetime, until: datetime, quiet: QuietHours, zones: Iterable[str]
) -> datetime:
    """A bound: every reminder sent in (since, until] to a member in one of `zones` has its
    moment at or after it."""
    length = quiet_length(quiet)
    earliest = since
    if not length:
        return earliest
    for zone in set(zones):
        end = first_quiet_end(quiet, zone, since)
        if end <= until:  # later ends in the window began later still
            earliest = min(earliest, end - length - CLOCK_CHANGE)
    return earliest

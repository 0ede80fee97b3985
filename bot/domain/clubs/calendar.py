"""A club's meetings as an iCalendar file (.ics) for the phone's calendar: one recurring event
with the rule, cancelled meetings as exceptions, moved and added ones as events of their own,
in the club's time zone (the file carries its definition).

icalendar is imported when a file is made, not at start-up: few people ask for one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clubs.schedule import KEY_FORMAT, Schedule


def club_calendar(
    club_id: int, name: str, address: str, schedule: Schedule, made_at: datetime
) -> bytes:
    from icalendar import Calendar, Event, vRecur

    zone = ZoneInfo(schedule.timezone)
    length = timedelta(minutes=schedule.minutes)
    calendar = Calendar()
    calendar.add("prodid", "-//Silta//clubs//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)

    first = datetime.combine(schedule.first, schedule.start).replace(tzinfo=zone)
    series = Event()
    series.add("uid", f"club-{club_id}@silta")
    series.add("dtstamp", made_at.astimezone(UTC))
    series.add("summary", name)
    series.add("location", address)
    series.add("dtstart", first)
    series.add("dtend", first + length)
    series.add("rrule", vRecur.from_ical(schedule.rule))
    skipped = [
        datetime.strptime(change.key, KEY_FORMAT).replace(tzinfo=zone)
        for change in schedule.changes
        if change.kind in ("cancel", "move")
    ]
    if skipped:
        series.add("exdate", skipped)
    calendar.add_component(series)

    for change in schedule.changes:
        if change.kind not in ("move", "add") or change.starts_local is None:
            continue
        starts = change.starts_local.replace(tzinfo=zone)
        single = Event()
        single.add("uid", f"club-{club_id}-{change.key}@silta")
        single.add("dtstamp", made_at.astimezone(UTC))
        single.add("summary", name)
        single.add("location", address)
        single.add("dtstart", starts)
        single.add("dtend", starts + timedelta(minutes=change.minutes or schedule.minutes))
        calendar.add_component(single)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())

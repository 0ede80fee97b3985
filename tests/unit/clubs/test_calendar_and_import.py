"""The calendar file a member adds to their phone, and clubs read from a CSV file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from icalendar import Calendar

from bot.domain.clubs.calendar import club_calendar
from bot.domain.clubs.schedule import Change, Schedule, weekly_rule
from bot.services.club_import import read_clubs


def test_the_calendar_file_has_the_rule_the_exceptions_and_the_zone() -> None:
    schedule = Schedule(
        "Europe/Helsinki",
        date(2026, 12, 1),
        time(17, 0),
        90,
        weekly_rule(1),
        (
            Change("cancel", "2026-12-08T17:00"),
            Change("move", "2026-12-15T17:00", datetime(2026, 12, 16, 18, 0)),
        ),
    )
    content = club_calendar(
        3, "Perhekerho", "Puijonkatu 1", schedule, datetime(2026, 11, 23, tzinfo=UTC)
    )
    calendar = Calendar.from_ical(content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    series, moved = events
    assert series["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert str(series["SUMMARY"]) == "Perhekerho" and str(series["LOCATION"]) == "Puijonkatu 1"
    assert series.decoded("DTSTART") == datetime(2026, 12, 1, 17, 0, tzinfo=schedule.zone)
    excluded = {d.dt for exdate in [series["EXDATE"]] for d in exdate.dts}
    assert excluded == {
        datetime(2026, 12, 8, 17, 0, tzinfo=schedule.zone),
        datetime(2026, 12, 15, 17, 0, tzinfo=schedule.zone),
    }
    assert moved.decoded("DTSTART") == datetime(2026, 12, 16, 18, 0, tzinfo=schedule.zone)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]


CSV = """\
name_fi,name_en,kind,address,languages,ages,capacity,first_date,time,minutes,weekday,every_weeks,reminders,latitude,longitude
Läksykerho,Homework club,homework_group,Kirjasto,fi en uk,7-15,20,2026-12-02,15:00,90,wednesday,2,60,62.89,27.67
Perhekerho,,family_club,Puijonkatu 1,fi ar,0-6,15,2026-12-01,17:00,90,tuesday,1,,,
"""


def test_a_good_csv_gives_drafts() -> None:
    rows, problems = read_clubs(CSV, "Europe/Helsinki")
    assert problems == []
    homework, family = (row.draft for row in rows)
    assert homework.name == {"fi": "Läksykerho", "en": "Homework club"}
    assert homework.rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE" and homework.reminder_minutes == [60]
    assert (homework.latitude, homework.longitude) == (62.89, 27.67)
    assert family.name == {"fi": "Perhekerho"} and family.reminder_minutes == [1440, 120]
    assert (family.age_min, family.age_max, family.capacity) == (0, 6, 15)


def test_every_bad_row_is_reported_with_its_line() -> None:
    bad = CSV + (
        "Kerho,,nope,Osoite,fi,0-6,15,2026-12-01,17:00,90,tuesday,1,,,\n"
        "Kerho,,family_club,Osoite,xx,0-6,15,2026-12-01,17:00,90,tuesday,1,,,\n"
        "Kerho,,family_club,Osoite,fi,six,15,2026-12-01,17:00,90,tuesday,1,,,\n"
        "Kerho,,family_club,Osoite,fi,0-6,0,2026-12-01,17:00,90,tuesday,1,,,\n"
        "Kerho,,family_club,Osoite,fi,0-6,15,2026-12-01,25:00,90,tuesday,1,,,\n"
        "Kerho,,family_club,Osoite,fi,0-6,15,2026-12-01,17:00,90,someday,1,,,\n"
        "Kerho,,family_club,,fi,0-6,15,2026-12-01,17:00,90,tuesday,1,,,\n"
    )
    rows, problems = read_clubs(bad, "Europe/Helsinki")
    assert len(rows) == 2
    assert [problem.split(":")[0] for problem in problems] == [f"line {n}" for n in range(4, 11)]
    assert "kind must be one of" in problems[0]
    assert "languages must be codes" in problems[1]
    assert "ages must be like 0-12" in problems[2]
    assert "capacity must be from 1 to 1000" in problems[3]
    assert "not readable" in problems[4]
    assert "weekday" in problems[5]
    assert "needs an address" in problems[6]
    assert read_clubs("kind,address\n", "UTC") == (
        [],
        ["line 1: the header needs a name column, e.g. name_fi"],
    )

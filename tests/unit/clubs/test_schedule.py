"""Club schedules: recurrence in local time across daylight saving, and single changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.clubs.schedule import Change, Schedule, ScheduleError, weekly_rule

HELSINKI = "Europe/Helsinki"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def tuesdays(every: int = 1, changes: tuple[Change, ...] = ()) -> Schedule:
    return Schedule(HELSINKI, date(2026, 3, 3), time(17, 0), 90, weekly_rule(1, every), changes)


def test_weekly_meetings_keep_their_local_time_across_the_spring_change() -> None:
    meetings = tuesdays().meetings(utc(2026, 3, 20), utc(2026, 4, 10))
    assert [m.starts_at for m in meetings] == [
        utc(2026, 3, 24, 15, 0),  # 17:00 EET (UTC+2)
        utc(2026, 3, 31, 14, 0),  # 17:00 EEST (UTC+3): clocks went forward on 29 March
        utc(2026, 4, 7, 14, 0),
    ]
    assert [m.key for m in meetings] == ["2026-03-24T17:00", "2026-03-31T17:00", "2026-04-07T17:00"]
    assert all((m.ends_at - m.starts_at).total_seconds() == 90 * 60 for m in meetings)


def test_and_across_the_autumn_change() -> None:
    meetings = tuesdays().meetings(utc(2026, 10, 19), utc(2026, 11, 1))
    assert [m.starts_at for m in meetings] == [utc(2026, 10, 20, 14, 0), utc(2026, 10, 27, 15, 0)]


def test_every_other_week() -> None:
    meetings = tuesdays(every=2).meetings(utc(2026, 3, 1), utc(2026, 4, 1))
    assert [m.key[:10] for m in meetings] == ["2026-03-03", "2026-03-17", "2026-03-31"]


def test_cancelled_moved_and_added_meetings() -> None:
    changes = (
        Change("cancel", "2026-03-10T17:00", note="school holiday"),
        Change("move", "2026-03-17T17:00", datetime(2026, 3, 18, 18, 0), 60),
        Change("add", "2026-03-21T12:00", datetime(2026, 3, 21, 12, 0)),
    )
    schedule = tuesdays(changes=changes)
    meetings = schedule.meetings(utc(2026, 3, 9), utc(2026, 3, 23))
    assert [(m.key, m.status, m.starts_at) for m in meetings] == [
        ("2026-03-17T17:00", "moved", utc(2026, 3, 18, 16, 0)),
        ("2026-03-21T12:00", "added", utc(2026, 3, 21, 10, 0)),
    ]
    assert meetings[0].ends_at == utc(2026, 3, 18, 17, 0)
    cancelled = schedule.meeting("2026-03-10T17:00")
    assert cancelled is not None and cancelled.cancelled and cancelled.note == "school holiday"
    everything = schedule.meetings(utc(2026, 3, 9), utc(2026, 3, 23), include_cancelled=True)
    assert len(everything) == 3
    assert schedule.meeting("2026-03-17T17:00") == meetings[0]
    assert schedule.meeting("not a key") is None


def test_a_time_in_the_spring_gap_moves_forward() -> None:
    sundays = Schedule(HELSINKI, date(2026, 3, 22), time(3, 30), 60, weekly_rule(6))
    gap = sundays.meetings(utc(2026, 3, 28), utc(2026, 3, 30))
    assert [m.starts_at for m in gap] == [utc(2026, 3, 29, 1, 30)]  # 04:30 EEST


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"minutes": 2}, "from 5 minutes"),
        ({"rule": "EVERY TUESDAY"}, "not a recurrence rule"),
    ],
)
def test_bad_schedules_say_why(kwargs: dict[str, object], reason: str) -> None:
    values: dict[str, object] = {
        "timezone": HELSINKI,
        "first": date(2026, 3, 3),
        "start": time(17, 0),
        "minutes": 90,
        "rule": weekly_rule(1),
    }
    values.update(kwargs)
    with pytest.raises(ScheduleError, match=reason):
        Schedule(**values)  # type: ignore[arg-type]

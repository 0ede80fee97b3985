"""Reminder times: before the meeting, outside the member's quiet hours, only while useful."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.domain.clubs.reminders import QuietHours, plan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_default_reminders_a_day_and_two_hours_before() -> None:
    start = utc(2026, 12, 1, 15, 0)  # 17:00 in Helsinki
    reminders = plan(start, [1440, 120], "Europe/Helsinki")
    assert [(r.minutes_before, r.send_at) for r in reminders] == [
        (1440, utc(2026, 11, 30, 15, 0)),
        (120, utc(2026, 12, 1, 13, 0)),
    ]
    assert all(r.useful_until == utc(2026, 12, 1, 14, 45) for r in reminders)


def test_a_reminder_in_the_quiet_hours_waits_until_eight() -> None:
    start = utc(2026, 12, 1, 7, 0)  # 09:00 in Helsinki: two hours before is 07:00
    [early, late] = plan(start, [1440, 120], "Europe/Helsinki")
    assert late.send_at == utc(2026, 12, 1, 6, 0)  # 08:00 Helsinki
    assert early.send_at == utc(2026, 11, 30, 7, 0)


def test_a_reminder_no_longer_useful_after_the_quiet_hours_is_dropped() -> None:
    start = utc(2026, 12, 1, 6, 10)  # 08:10 Helsinki: 08:00 is too close
    assert [r.minutes_before for r in plan(start, [1440, 120], "Europe/Helsinki")] == [1440]


def test_quiet_hours_are_the_members_own() -> None:
    start = utc(2026, 12, 1, 15, 0)
    # Two hours before is 13:00 UTC: 15:00 in Helsinki, but 22:00 in Tokyo (quiet).
    reminders = plan(start, [120], "Asia/Tokyo")
    assert reminders == []  # 08:00 in Tokyo is after the meeting
    reminders = plan(start, [120], "America/New_York")  # 08:00 there is 13:00 UTC
    assert [r.send_at for r in reminders] == [utc(2026, 12, 1, 13, 0)]


def test_two_reminders_landing_together_are_sent_once() -> None:
    start = utc(2026, 12, 1, 6, 30)  # 08:30 Helsinki; 10 h and 2 h before are both quiet
    reminders = plan(start, [600, 120], "Europe/Helsinki")
    assert [(r.minutes_before, r.send_at) for r in reminders] == [(120, utc(2026, 12, 1, 6, 0))]


def test_quiet_hours_spanning_midnight_or_not() -> None:
    night = QuietHours(time(21, 0), time(8, 0))
    assert night.contains(time(23, 0)) and night.contains(time(7, 59))
    assert not night.contains(time(8, 0)) and not night.contains(time(20, 59))
    siesta = QuietHours(time(13, 0), time(15, 0))
    assert siesta.contains(time(14, 0)) and not siesta.contains(time(15, 0))
    assert not QuietHours(time(0, 0), time(0, 0)).contains(time(12, 0))

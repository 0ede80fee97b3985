"""The earliest reminder moment a window of send times can come from, checked against the
reminder rules themselves over a week of moments in several time zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.domain.clubs.due import earliest_moment, first_quiet_end, quiet_length
from bot.domain.clubs.reminders import QuietHours

ZONES = ["Europe/Helsinki", "Asia/Kabul", "America/New_York", "Australia/Lord_Howe"]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_quiet_hours_length_and_end() -> None:
    assert quiet_length(QuietHours(time(21, 0), time(8, 0))) == timedelta(hours=11)
    assert quiet_length(QuietHours(time(13, 0), time(15, 0))) == timedelta(hours=2)
    assert not quiet_length(QuietHours(time(0, 0), time(0, 0)))
    night = QuietHours()
    assert first_quiet_end(night, "Europe/Helsinki", utc(2026, 12, 1, 5, 0)) == utc(
        2026, 12, 1, 6, 0
    )
    assert first_quiet_end(night, "Europe/Helsinki", utc(2026, 12, 1, 6, 0)) == utc(
        2026, 12, 2, 6, 0
    )


def test_a_window_without_the_end_of_quiet_hours_reaches_no_further_back() -> None:
    since = utc(2026, 12, 1, 12, 0)  # 14:00 in Helsinki
    until = since + timedelta(minutes=6)
    assert earliest_moment(since, until, QuietHours(), ["Europe/Helsinki"]) == since


def test_a_window_with_eight_oclock_reaches_back_over_the_night() -> None:
    since = utc(2026, 12, 1, 5, 55)  # 07:55 in Helsinki
    until = since + timedelta(minutes=6)
    earliest = earliest_moment(since, until, QuietHours(), ["Europe/Helsinki", "Asia/Kabul"])
    assert earliest <= utc(2026, 11, 30, 19, 0)  # 21:00 the evening before in Helsinki


@pytest.mark.parametrize(
    "since",
    [
        utc(2026, 12, 1, 5, 55),
        utc(2026, 3, 29, 4, 58),  # the morning clocks go forward in Europe
        utc(2026, 10, 25, 5, 58),  # and back
        utc(2026, 4, 4, 21, 25),  # 07:55 on Lord Howe, the morning its clocks went back
        utc(2026, 7, 1, 3, 25),  # 07:55 in Kabul
    ],
)
def test_every_reminder_sent_in_the_window_has_its_moment_after_the_bound(
    since: datetime,
) -> None:
    quiet = QuietHours()
    until = since + timedelta(minutes=6, seconds=30)
    earliest = earliest_moment(since, until, quiet, ZONES)
    moment, held = since - timedelta(days=2), 0
    while moment <= until:
        for zone in ZONES:
            sent = quiet.next_allowed(moment, zone)
            if since < sent <= until:
                assert moment >= earliest, (zone, moment, sent)
                held += sent != moment
        moment += timedelta(minutes=5)
    assert held, "some reminder in the window was held back by the quiet hours"

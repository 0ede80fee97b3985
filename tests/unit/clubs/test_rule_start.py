"""A later first date gives a rule the same meetings: checked against the rule read from its
real first date, over many rules, clubs' ages and windows."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.clubs.rule_start import later_start
from bot.domain.clubs.schedule import Change, Schedule

RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
    "FREQ=WEEKLY;INTERVAL=3",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,SA",
    "FREQ=WEEKLY;UNTIL=20270301T000000;BYDAY=SA",
]


@pytest.mark.parametrize("rule", RULES)
def test_the_same_meetings_from_a_later_first_date(rule: str) -> None:
    draw = random.Random(rule)
    for _ in range(40):
        first = date(2023, 1, 1) + timedelta(days=draw.randrange(1400))
        after = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=draw.randrange(24 * 200))
        before = after + timedelta(hours=draw.randrange(1, 24 * 20))
        changes = (Change("cancel", (after + timedelta(days=1)).strftime("%Y-%m-%dT17:00")),)
        real = Schedule("Europe/Helsinki", first, time(17, 0), 90, rule, changes)
        moved = later_start(rule, first, (after - timedelta(days=3)).date())
        assert first <= moved
        quick = Schedule("Europe/Helsinki", moved, time(17, 0), 90, rule, changes)
        assert quick.meetings(after, before, True) == real.meetings(after, before, True)


def test_a_club_met_for_years_starts_near_the_day() -> None:
    assert later_start("FREQ=DAILY", date(2020, 1, 1), date(2026, 11, 20)) == date(2026, 11, 20)
    weekly = later_start("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", date(2020, 1, 7), date(2026, 11, 20))
    assert date(2026, 11, 7) <= weekly <= date(2026, 11, 20)
    assert (weekly - date(2020, 1, 7)).days % 14 == 0


@pytest.mark.parametrize(
    "rule",
    ["FREQ=MONTHLY;BYDAY=1SA", "FREQ=WEEKLY;COUNT=10", "FREQ=YEARLY", "FREQ=DAILY;INTERVAL=x"],
)
def test_rules_that_cannot_move_keep_their_first_date(rule: str) -> None:
    assert later_start(rule, date(2020, 1, 1), date(2026, 11, 20)) == date(2020, 1, 1)


def test_a_club_not_begun_keeps_its_first_date() -> None:
    assert later_start("FREQ=DAILY", date(2027, 1, 1), date(2026, 11, 20)) == date(2027, 1, 1)

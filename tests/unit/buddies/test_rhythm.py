"""The buddy programme's rhythm (weekly check-ins first, then every two weeks; the family's
monthly question; the close offered after the programme length), the coordinators' date
parsing for the record extract, and the matching's reasons in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.domain.buddies.rhythm import Rhythm, months
from bot.i18n.core import SiltaI18n
from bot.telegram import buddy_words
from bot.telegram.routers.buddy_admin import parse_day

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_weekly_for_the_first_month_then_every_two_weeks() -> None:
    rhythm = Rhythm()
    gaps = [rhythm.gap_after(sent).days for sent in range(8)]
    assert gaps == [7, 7, 7, 7, 14, 14, 14, 14]
    assert rhythm.first_checkins(START) == (START + timedelta(days=7), START + timedelta(days=30))
    assert rhythm.close_due(START) == START + timedelta(days=183)


def test_the_rhythm_is_configurable_and_checked() -> None:
    rhythm = Rhythm(weekly_checkins=2, later_every=timedelta(days=21))
    assert [rhythm.gap_after(sent).days for sent in range(4)] == [7, 7, 21, 21]
    assert Rhythm(weekly_checkins=0).gap_after(0) == timedelta(days=14)
    with pytest.raises(ValueError):
        Rhythm(later_every=timedelta(0))
    with pytest.raises(ValueError):
        Rhythm(unanswered_alert=0)


def test_settings_make_the_rhythm() -> None:
    settings = load_settings(
        buddy_weekly_checkins=6,
        buddy_checkin_days=10,
        family_checkin_days=20,
        buddy_programme_months=9,
    )
    rhythm = settings.rhythm
    assert (rhythm.weekly_checkins, rhythm.later_every.days, rhythm.family_every.days) == (
        6,
        10,
        20,
    )
    assert rhythm.programme == months(9) == timedelta(days=274)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21.11.2026", date(2026, 11, 21)),
        (" 2026-11-02 ", date(2026, 11, 2)),
        ("2/11/2026", date(2026, 11, 2)),
        ("24.11.26", date(2026, 11, 24)),
        ("25.11.2026", None),  # the future
        ("yesterday", None),
        ("31.02.2026", None),
        ("", None),
    ],
)
def test_record_dates_as_coordinators_write_them(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 11, 24)) == expected


@pytest.fixture
def finnish() -> Iterator[SiltaI18n]:
    i18n = SiltaI18n(path=PROJECT_ROOT / "locales")
    with i18n.context(), i18n.use_locale("fi"):
        yield i18n


@pytest.fixture
def english() -> Iterator[SiltaI18n]:
    i18n = SiltaI18n(path=PROJECT_ROOT / "locales")
    with i18n.context(), i18n.use_locale("en"):
        yield i18n


def test_reasons_in_words(english: SiltaI18n) -> None:
    reasons = [
        {"code": "language", "value": "ar"},
        {"code": "area", "value": "Petonen"},
        {"code": "topics", "values": ["school", "transport"]},
        {"code": "availability", "count": 3},
        {"code": "gender", "value": "female"},
        {"code": "load", "count": 2},
    ]
    assert buddy_words.reasons(reasons) == (
        "both speak Arabic, same area (Petonen), the buddy helps with School matters and "
        "Public transport and services, free at the same times, a woman, as the family wished"
        ", and room for 2 more"
    )


def test_language_names_and_times_in_the_reader_language(finnish: SiltaI18n) -> None:
    assert buddy_words.language_name("ar") == "arabia"
    assert buddy_words.language_name("xx") == "xx"
    assert buddy_words.coarse_times(["sat_morning", "mon_evening", "tue_evening"]) == [
        "weekday_evening",
        "weekend",
    ]
    assert buddy_words.listed([]) == "–"

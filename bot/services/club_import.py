"""Clubs from a CSV file (a spreadsheet's "save as CSV"): one club per row, every problem
reported with its line, and nothing imported unless every row is right.

Columns (header row required; order free): name_<lang> (at least one, e.g. name_fi, name_en),
description_<lang>, kind, address, area, latitude, longitude, languages ("fi ar so"), ages
("0-12"), capacity, timezone, first_date (2026-12-01), time (17:00), minutes (90), and either
rule (an RRULE such as FREQ=WEEKLY;BYDAY=TU) or weekday (monday ... sunday) with every_weeks;
reminders (minutes before, "1440 120"), leader (a Telegram user id), source_language.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time

from bot.domain.clubs.schedule import weekly_rule
from bot.services.clubs import ClubDraft, ClubError, check_draft

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Row:
    line: int
    draft: ClubDraft
    leader_telegram_id: int | None


def _texts(row: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        key.removeprefix(prefix): value.strip()
        for key, value in row.items()
        if key.startswith(prefix) and value and value.strip()
    }


def _draft(row: dict[str, str], default_timezone: str) -> tuple[ClubDraft, int | None]:
    def get(name: str, default: str = "") -> str:
        return (row.get(name) or default).strip()

    ages = get("ages", "0-18").split("-")
    if len(ages) != 2 or not all(part.strip().isdigit() for part in ages):
        raise ClubError("ages must be like 0-12")
    low, high = (int(part) for part in ages)
    try:
        capacity = int(get("capacity"))
        minutes = int(get("minutes", "90"))
        first = date.fromisoformat(get("first_date"))
        start = time.fromisoformat(get("time"))
        reminders = [int(part) for part in get("reminders", "1440 120").split()]
        latitude = float(get("latitude")) if get("latitude") else None
        longitude = float(get("longitude")) if get("longitude") else None
        leader = int(get("leader")) if get("leader") else None
    except ValueError as error:
        raise ClubError(f"a number, date or time is not readable ({error})") from None
    rule = get("rule")
    if not rule:
        weekday = get("weekday").lower()
        if weekday not in WEEKDAYS:
            raise ClubError("give a rule, or a weekday (monday ... sunday)")
        rule = weekly_rule(WEEKDAYS.index(weekday), int(get("every_weeks", "1") or 1))
    names = _texts(row, "name_")
    draft = ClubDraft(
        name=names,
        description=_texts(row, "description_"),
        source_language=get("source_language") or next(iter(names), "fi"),
        kind=get("kind", "family_club"),
        address=get("address"),
        area=get("area") or None,
        latitude=latitude,
        longitude=longitude,
        languages=get("languages").replace(",", " ").split(),
        age_min=low,
        age_max=high,
        capacity=capacity,
        timezone=get("timezone", default_timezone),
        first_date=first,
        start_time=start,
        minutes=minutes,
        rule=rule,
        reminder_minutes=reminders,
    )
    return draft, leader


def read_clubs(text: str, default_timezone: str) -> tuple[list[Row], list[str]]:
    """The rows as drafts, and every problem as 'line N: reason'."""
    rows: list[Row] = []
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not any(f.startswith("name_") for f in reader.fieldnames):
        return [], ["line 1: the header needs a name column, e.g. name_fi"]
    for number, row in enumerate(reader, start=2):
        try:
            draft, leader = _draft(row, default_timezone)
            check_draft(draft)
        except ClubError as error:
            problems.append(f"line {number}: {error}")
            continue
        rows.append(Row(number, draft, leader))
    return rows, problems

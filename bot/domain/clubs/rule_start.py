"""A later first date that gives a rule the same meetings, so that reading a few days of a club
that has met daily for years does not walk all those years.

python-dateutil walks a rule from its first date on every question, so a daily club's
meetings this week cost a step for every day since it began. For a DAILY or WEEKLY rule without
COUNT, starting whole periods (times the rule's INTERVAL) later changes nothing from the new
start on: the same weekdays, times and interval phase.
"""

from __future__ import annotations

from datetime import date, timedelta

PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7}


def later_start(rule: str, first: date, day: date) -> date:
    """The latest first date, not after `day`, with the same meetings as `first` from `day`
    on; `first` itself when the rule cannot be moved (other frequencies, COUNT, DTSTART)."""
    parts = _parts(rule)
    if parts is None or "COUNT" in parts or parts.get("FREQ") not in PERIOD_DAYS:
        return first
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return first
    period = PERIOD_DAYS[parts["FREQ"]] * max(interval, 1)
    skipped = (day - first).days // period
    return first + timedelta(days=skipped * period) if skipped > 0 else first


def _parts(rule: str) -> dict[str, str] | None:
    """'FREQ=WEEKLY;BYDAY=TU' -> {'FREQ': 'WEEKLY', 'BYDAY': 'TU'}; None for anything but one
    plain RRULE."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "\n" in text or ":" in text:
        return None
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        parts[name.strip().upper()] = value.strip().upper()
    return parts

"""What every planner is given on each tick, and how far ahead they plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.buddies.rhythm import DEFAULT_RHYTHM, Rhythm
from bot.domain.clubs.reminders import QuietHours

LOOKAHEAD = timedelta(minutes=5)  # plan this far ahead; the sender waits for `not_before`


@dataclass(frozen=True)
class Tick:
    """What a planner knows: the time now, and the quiet hours in force."""

    now: datetime
    quiet: QuietHours
    coordinator_ids: frozenset[int] = frozenset()
    rhythm: Rhythm = DEFAULT_RHYTHM

"""When a running match hears from the programme: the buddy's check-ins (weekly in the first
weeks, then less often), the family's monthly question, and the offer to close after the
programme length. The mentoring cycle in ../shared/domain/programmes.md: regular meetings weekly
to twice a month, check-ins, no-fault closure typically after 6–12 months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Check-in answers. A buddy: met and all is well, met but needs help, not met yet, pause the
# check-ins; a family: good, okay, not good (a concern).
BUDDY_ANSWERS: tuple[str, ...] = ("met_ok", "met_help", "not_yet", "pause")
FAMILY_ANSWERS: tuple[str, ...] = ("good", "okay", "concern")
ALERTING_ANSWERS = frozenset({"met_help", "concern"})


@dataclass(frozen=True)
class Rhythm:
    """The schedule of a match; each deployment may set its own (BUDDY_* settings)."""

    weekly_checkins: int = 4  # the first month: one check-in a week
    later_every: timedelta = timedelta(days=14)  # then every two weeks
    family_every: timedelta = timedelta(days=30)
    programme: timedelta = timedelta(days=183)  # six months, then a close is offered
    pause: timedelta = timedelta(days=28)  # "pause" skips the check-ins this long
    unanswered_alert: int = 2  # this many unanswered check-ins in a row alert coordinators

    def __post_init__(self) -> None:
        if self.weekly_checkins < 0 or self.unanswered_alert < 1:
            raise ValueError("weekly check-ins must be >= 0 and the alert count >= 1")
        for name in ("later_every", "family_every", "programme", "pause"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be longer than zero")

    def gap_after(self, sent: int) -> timedelta:
        """The time from check-in number `sent` (1-based; 0 = the match's start) to the next."""
        return timedelta(days=7) if sent < self.weekly_checkins else self.later_every

    def first_checkins(self, started: datetime) -> tuple[datetime, datetime]:
        """The first check-in of the buddy and of the family for a match starting now."""
        return started + self.gap_after(0), started + self.family_every

    def close_due(self, started: datetime) -> datetime:
        return started + self.programme


def months(value: float) -> timedelta:
    """A number of months as days (an average month: 365.25 / 12 days)."""
    return timedelta(days=round(value * 365.25 / 12))


DEFAULT_RHYTHM = Rhythm()

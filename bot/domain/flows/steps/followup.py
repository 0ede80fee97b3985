"""remind: schedule a follow-up message ("remind me in 3 days"), then go on.

    remind_documents:
      remind: Did you find all the documents for the school?
      after: 3 days
      next: done

`after` is a number and a unit: minutes, hours, days or weeks.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from pydantic import field_validator

from bot.domain.flows.runtime import FollowUpRequested
from bot.domain.flows.steps.base import Context, Move, Shown, Step

_DURATION = re.compile(r"^\s*(\d+)\s*(minute|hour|day|week)s?\s*$")


def parse_duration(text: str) -> timedelta:
    """'3 days' -> timedelta(days=3); raises ValueError on anything else."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError("write a number and a unit, e.g. '3 days' or '2 weeks'")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(**{unit + "s": amount})


class FollowUp(Step):
    kind: ClassVar[str] = "remind"

    remind: str
    after: str

    @field_validator("after")
    @classmethod
    def _check_after(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def delay(self) -> timedelta:
        return parse_duration(self.after)

    def texts(self) -> list[Shown]:
        return [(("remind",), self.remind, "message")]

    def run(self, context: Context) -> Move:
        request = FollowUpRequested(self.remind, self.delay, context.flow_id, context.step_id)
        return Move([request], next=self.next)

"""What every step kind has in common."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from bot.domain.flows.runtime import Answer, Output

FieldPath = tuple[str | int, ...]
Target = tuple[FieldPath, str]  # (where in the step, step id)
Shown = tuple[FieldPath, str, str]  # (where in the step, text, "message" or "button")
Evaluated = tuple[FieldPath, str]  # (where in the step, expression)


@dataclass
class Context:
    """What a step sees while it runs: its flow and id, the answers so far, the profile."""

    flow_id: str
    step_id: str
    answers: dict[str, Any]
    profile: dict[str, Any]
    can_go_back: bool = False

    def names(self) -> dict[str, Any]:
        """Names expressions can read: answers, then the profile (language, role)."""
        return {**self.answers, **self.profile}


@dataclass
class Move:
    """What a step decided: what to show, and where the conversation goes."""

    outputs: list[Output] = field(default_factory=list)
    next: str | None = None  # continue at this step of the same flow
    wait: bool = False  # a question is shown: wait for the answer
    end: bool = False  # this flow ends here
    end_text: str | None = None
    call: str | None = None  # run this flow first, then continue at `next`


class Step(BaseModel):
    """A step of a flow. `next` is where the conversation goes afterwards, if anywhere."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: ClassVar[str] = "step"
    # A terminal step may stop the conversation without a `next`.
    terminal: ClassVar[bool] = False

    next: str | None = None

    def targets(self) -> list[Target]:
        """(field path, step id) for every step this one can lead to."""
        return [(("next",), self.next)] if self.next else []

    def sets(self) -> set[str]:
        """Variables this step stores."""
        return set()

    def expressions(self) -> list[Evaluated]:
        """(field path, expression) for every expression this step evaluates."""
        return []

    def texts(self) -> list[Shown]:
        """(field path, text, what it is: 'message' or 'button') for every text shown."""
        return []

    def run(self, context: Context) -> Move:
        """Enter the step. The default shows nothing and goes on."""
        return Move(next=self.next)

    def answer(self, context: Context, answer: Answer) -> Move | None:
        """Handle an answer to this step's question; None when it is not an answer to it."""
        return None

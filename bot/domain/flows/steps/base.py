"""What every step kind has in common."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

FieldPath = tuple[str | int, ...]
Target = tuple[FieldPath, str]  # (where in the step, step id)
Shown = tuple[FieldPath, str, str]  # (where in the step, text, "message" or "button")
Evaluated = tuple[FieldPath, str]  # (where in the step, expression)


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

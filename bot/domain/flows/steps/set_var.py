"""set: store values computed from expressions, then go on.

count_children:
  set: {children: "children + 1"}
  next: more_children
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.domain.flows import expressions
from bot.domain.flows.steps.base import Context, Evaluated, Move, Step


class SetVariables(Step):
    kind: ClassVar[str] = "set"

    set_: dict[str, str] = Field(alias="set", min_length=1)

    def sets(self) -> set[str]:
        return set(self.set_)

    def expressions(self) -> list[Evaluated]:
        return [(("set", name), expression) for name, expression in self.set_.items()]

    def run(self, context: Context) -> Move:
        for name, expression in self.set_.items():
            context.answers[name] = expressions.evaluate(expression, context.names())
        return Move(next=self.next)

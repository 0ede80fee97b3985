"""branch: go to the first case whose condition holds, else to `otherwise`.

    by_age:
      branch:
        - {when: "child_age < 6", next: ecec}
        - {when: "child_age == 6", next: preprimary}
      otherwise: contact_city

Conditions read saved answers, variables and the profile (`language`, `role`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.flows import expressions
from bot.domain.flows.steps.base import Context, Evaluated, Move, Step, Target


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: str
    next: str


class Branch(Step):
    kind: ClassVar[str] = "branch"

    branch: list[Case] = Field(min_length=1)
    otherwise: str

    def targets(self) -> list[Target]:
        found: list[Target] = [
            (("branch", index, "next"), case.next) for index, case in enumerate(self.branch)
        ]
        return [*found, (("otherwise",), self.otherwise)]

    def expressions(self) -> list[Evaluated]:
        return [(("branch", index, "when"), case.when) for index, case in enumerate(self.branch)]

    def run(self, context: Context) -> Move:
        for case in self.branch:
            if expressions.evaluate(case.when, context.names()):
                return Move(next=case.next)
        return Move(next=self.otherwise)

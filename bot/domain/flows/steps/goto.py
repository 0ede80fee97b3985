"""goto: continue at another step (e.g. back to a menu of topics).

again:
  goto: topics
"""

from __future__ import annotations

from typing import ClassVar

from bot.domain.flows.steps.base import Context, Move, Step, Target


class Goto(Step):
    kind: ClassVar[str] = "goto"

    goto: str

    def targets(self) -> list[Target]:
        return [(("goto",), self.goto)]

    def run(self, context: Context) -> Move:
        return Move(next=self.goto)

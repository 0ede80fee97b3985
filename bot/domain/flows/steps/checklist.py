"""checklist: items the user ticks off; ticks are kept between sessions.

    documents:
      say: Take these with you.
      checklist: [Identity document of the child, Earlier school reports]
      save: documents_ready
      next: need_help

The saved value is the list of ticked items' positions.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.domain.flows.runtime import Answer, ChecklistDone, Question, Ticked
from bot.domain.flows.steps.base import Context, Move, Shown, Step


class Checklist(Step):
    kind: ClassVar[str] = "checklist"

    checklist: list[str] = Field(min_length=1)
    say: str | None = None
    save: str | None = None

    def sets(self) -> set[str]:
        return {self.save} if self.save else set()

    def texts(self) -> list[Shown]:
        found: list[Shown] = [(("say",), self.say, "message")] if self.say else []
        return found + [
            (("checklist", index), item, "button") for index, item in enumerate(self.checklist)
        ]

    def _key(self, context: Context) -> str:
        return self.save or f"_checklist_{context.step_id}"

    def _question(self, context: Context) -> Question:
        ticked = tuple(sorted(context.answers.get(self._key(context), [])))
        return Question(
            context.step_id,
            self.say or "",
            "checklist",
            tuple(self.checklist),
            ticked,
            context.can_go_back,
        )

    def run(self, context: Context) -> Move:
        return Move([self._question(context)], wait=True)

    def answer(self, context: Context, answer: Answer) -> Move | None:
        if isinstance(answer, ChecklistDone) and answer.step == context.step_id:
            return Move(next=self.next)
        if not isinstance(answer, Ticked) or answer.step != context.step_id:
            return None
        if not 0 <= answer.index < len(self.checklist):
            return None
        ticked = set(context.answers.get(self._key(context), []))
        ticked ^= {answer.index}
        context.answers[self._key(context)] = sorted(ticked)
        return Move([self._question(context)], wait=True)

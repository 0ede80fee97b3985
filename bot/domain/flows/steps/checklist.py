"""checklist: items the user ticks off; ticks are kept between sessions.

    documents:
      say: Take these with you.
      checklist: [Identity document of the child, Earlier school reports]
      save: documents_ready
      next: need_help

The saved value is the list of ticked items' positions, or, with `values` (one per item, in
the same order), the list of the ticked items' values, which features can rely on whatever the
wording or order of the items:

    topics:
      say: What could you help with?
      checklist: [School, Homework]
      values: [school, homework]
      save: topics
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.domain.flows.runtime import Answer, ChecklistDone, Question, Ticked
from bot.domain.flows.steps.base import Context, Move, Shown, Step


class Checklist(Step):
    kind: ClassVar[str] = "checklist"

    checklist: list[str] = Field(min_length=1)
    values: list[str] | None = None
    say: str | None = None
    save: str | None = None

    @model_validator(mode="after")
    def _values_fit(self) -> Checklist:
        if self.values is not None:
            if len(self.values) != len(self.checklist):
                raise ValueError("give one value per checklist item")
            if len(set(self.values)) != len(self.values):
                raise ValueError("checklist values must differ from each other")
        return self

    def sets(self) -> set[str]:
        return {self.save} if self.save else set()

    def texts(self) -> list[Shown]:
        found: list[Shown] = [(("say",), self.say, "message")] if self.say else []
        return found + [
            (("checklist", index), item, "button") for index, item in enumerate(self.checklist)
        ]

    def _key(self, context: Context) -> str:
        """Where the ticked positions are kept (the saved name, unless values are saved)."""
        if self.save and self.values is None:
            return self.save
        return f"_checklist_{context.step_id}"

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
            if self.save and self.values is not None:
                context.answers.setdefault(self.save, [])
            return Move(next=self.next)
        if not isinstance(answer, Ticked) or answer.step != context.step_id:
            return None
        if not 0 <= answer.index < len(self.checklist):
            return None
        ticked = set(context.answers.get(self._key(context), []))
        ticked ^= {answer.index}
        context.answers[self._key(context)] = sorted(ticked)
        if self.save and self.values is not None:
            context.answers[self.save] = [self.values[index] for index in sorted(ticked)]
        return Move([self._question(context)], wait=True)

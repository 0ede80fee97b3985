"""ask with choices: a question answered with inline buttons; the answer can be saved.

    child_age:
      ask: How old is your child?
      save: child_age_band
      choices:
        - {label: Under 6, value: under6, next: ecec}
        - {label: 7 to 15, value: basic, next: contact_city}

A choice without `next` goes to the step's `next`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.flows.runtime import Answer, Picked, Question
from bot.domain.flows.steps.base import Context, Move, Shown, Step, Target


class Choice(BaseModel):
    """One button: its label, the value saved, and where it leads."""

    model_config = ConfigDict(extra="forbid")

    label: str
    value: str | None = None
    next: str | None = None

    @property
    def saved_value(self) -> str:
        return self.value if self.value is not None else self.label


class Ask(Step):
    kind: ClassVar[str] = "ask"

    ask: str
    save: str | None = None
    choices: list[Choice] = Field(min_length=1)

    def targets(self) -> list[Target]:
        found: list[Target] = [
            (("choices", index, "next"), choice.next)
            for index, choice in enumerate(self.choices)
            if choice.next
        ]
        if self.next:
            found.append((("next",), self.next))
        return found

    def sets(self) -> set[str]:
        return {self.save} if self.save else set()

    def texts(self) -> list[Shown]:
        return [(("ask",), self.ask, "message")] + [
            (("choices", index, "label"), choice.label, "button")
            for index, choice in enumerate(self.choices)
        ]

    def choice_without_target(self) -> int | None:
        """Index of a choice that leads nowhere (no own `next` and no step `next`)."""
        if self.next:
            return None
        for index, choice in enumerate(self.choices):
            if not choice.next:
                return index
        return None

    def run(self, context: Context) -> Move:
        question = Question(
            context.step_id,
            self.ask,
            "choices",
            tuple(c.label for c in self.choices),
            (),
            context.can_go_back,
        )
        return Move([question], wait=True)

    def answer(self, context: Context, answer: Answer) -> Move | None:
        if not isinstance(answer, Picked) or answer.step != context.step_id:
            return None
        if not 0 <= answer.index < len(self.choices):
            return None
        choice = self.choices[answer.index]
        if self.save:
            context.answers[self.save] = choice.saved_value
        return Move(next=choice.next or self.next)

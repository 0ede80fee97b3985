"""submit: hand the answers so far to a feature, which stores them in its own tables (a
volunteer's sign-up, a family's request for a buddy, a closing survey), then go on.

    save_profile:
      submit: buddy_signup
      next: thanks

The flow stays content: what `buddy_signup` means is decided by the service registered for it
(bot/services/forms.py). The names a flow may submit are listed here, so `silta flows check`
refuses a misspelt one.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import field_validator

from bot.domain.flows.runtime import Output, Say, Submitted
from bot.domain.flows.steps.base import Context, Move, Shown, Step

FORMS = frozenset({"buddy_signup", "buddy_training", "buddy_request", "closing_survey"})


class Submit(Step):
    kind: ClassVar[str] = "submit"
    terminal: ClassVar[bool] = True

    submit: str
    say: str | None = None

    @field_validator("submit")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in FORMS:
            raise ValueError(f"unknown form {value!r}; one of: {', '.join(sorted(FORMS))}")
        return value

    def texts(self) -> list[Shown]:
        return [(("say",), self.say, "message")] if self.say else []

    def run(self, context: Context) -> Move:
        outputs: list[Output] = [Say(self.say)] if self.say else []
        outputs.append(
            Submitted(self.submit, context.flow_id, context.step_id, dict(context.answers))
        )
        return Move(outputs, next=self.next, end=self.next is None)

"""handoff: ask a person to help; creates a request coordinators see, with the flow's context.

    need_person:
      handoff: community_instructor
      say: A community instructor will write to you here, usually within two working days.

Without `next` the conversation ends here; the person's answer arrives as a message.
"""

from __future__ import annotations

from typing import ClassVar

from bot.domain.flows.runtime import HandoffRequested, Output, Say
from bot.domain.flows.steps.base import Context, Move, Shown, Step


class Handoff(Step):
    kind: ClassVar[str] = "handoff"
    terminal: ClassVar[bool] = True

    handoff: str
    say: str | None = None

    def texts(self) -> list[Shown]:
        return [(("say",), self.say, "message")] if self.say else []

    def run(self, context: Context) -> Move:
        outputs: list[Output] = [Say(self.say)] if self.say else []
        outputs.append(
            HandoffRequested(self.handoff, context.flow_id, context.step_id, dict(context.answers))
        )
        if self.next:
            return Move(outputs, next=self.next)
        return Move(outputs, end=True)

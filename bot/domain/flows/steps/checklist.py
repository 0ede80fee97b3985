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

from bot.domain.flows.steps.base import Shown, Step


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

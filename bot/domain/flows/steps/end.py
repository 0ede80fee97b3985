"""end: the last message of a flow.

done:
  end: You are ready. You can come back to this guide at any time from the menu.
"""

from __future__ import annotations

from typing import ClassVar

from bot.domain.flows.steps.base import Context, Move, Shown, Step


class End(Step):
    kind: ClassVar[str] = "end"
    terminal: ClassVar[bool] = True

    end: str
    next: None = None  # nothing comes after the end

    def texts(self) -> list[Shown]:
        return [(("end",), self.end, "message")]

    def run(self, context: Context) -> Move:
        return Move(end=True, end_text=self.end)

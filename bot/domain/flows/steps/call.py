"""call: run another flow, then come back here and go on to `next`.

    wilma_help:
      call: wilma
      next: done

The called flow shares nothing but the user's profile; its answers stay its own.
"""

from __future__ import annotations

from typing import ClassVar

from bot.domain.flows.steps.base import Context, Move, Step


class Call(Step):
    kind: ClassVar[str] = "call"

    call: str

    def run(self, context: Context) -> Move:
        return Move(call=self.call, next=self.next)

"""What the interpreter hands around: a conversation's state, the answers people give, and
what the bot should show or do. Plain data, so it persists as JSON and renders anywhere."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any


@dataclass
class Frame:
    """One flow being run; a `call` pushes a frame and the end of the called flow pops it."""

    flow_id: str
    version: int
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)  # questions answered, for Back
    digest: str = ""  # the definition this frame runs on (Flow.digest); "" in old sessions


@dataclass
class FlowState:
    """A conversation under way: the stack of flows, innermost last."""

    stack: list[Frame]
    finished: bool = False

    @property
    def current(self) -> Frame:
        return self.stack[-1]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowState:
        """A state of its own: answering must never change the stored JSON in place, or the
        database would not see the change (a ticked item would be lost)."""
        data = copy.deepcopy(data)
        return cls(
            stack=[Frame(**frame) for frame in data["stack"]], finished=bool(data.get("finished"))
        )


# ---- answers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Picked:
    """A choice button pressed (by position) on the question of `step`."""

    step: str
    index: int


@dataclass(frozen=True)
class Typed:
    """Free text typed while a question waits."""

    text: str


@dataclass(frozen=True)
class Ticked:
    """A checklist item ticked or unticked (by position) on `step`."""

    step: str
    index: int


@dataclass(frozen=True)
class ChecklistDone:
    step: str


@dataclass(frozen=True)
class Back:
    """Go back to the previous question."""


Answer = Picked | Typed | Ticked | ChecklistDone | Back


# ---- what to show or do -----------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    text: str
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Question:
    """A question waiting for an answer: choices, free text, or a checklist."""

    step: str
    text: str
    mode: str  # "choices", "input" or "checklist"
    options: tuple[str, ...] = ()
    ticked: tuple[int, ...] = ()
    can_go_back: bool = False


@dataclass(frozen=True)
class Retry:
    """The typed answer was not valid: say so, in the flow's words or the default re-ask."""

    text: str | None


@dataclass(frozen=True)
class NotNow:
    """An answer to a question that is not the current one (an old button)."""


@dataclass(frozen=True)
class HandoffRequested:
    topic: str
    flow_id: str
    step: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    """The answers so far go to the feature registered for `form` (a `submit` step)."""

    form: str
    flow_id: str
    step: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class FollowUpRequested:
    text: str
    after: timedelta
    flow_id: str
    step: str


@dataclass(frozen=True)
class Finished:
    """The outermost flow ended; `text` is its last message (None after a hand-off)."""

    text: str | None


Output = (
    Say | Question | Retry | NotNow | HandoffRequested | Submitted | FollowUpRequested | Finished
)

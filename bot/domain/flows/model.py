"""A flow file: metadata and named steps. Which kind a step is follows from its keys.

The JSON Schema generated from these models (`silta flows schema`) lets editors such as
VS Code validate and complete flow files as they are written.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, HttpUrl, Tag, field_validator

from bot.domain.flows.steps.branch import Branch
from bot.domain.flows.steps.call import Call
from bot.domain.flows.steps.checklist import Checklist
from bot.domain.flows.steps.choice import Ask
from bot.domain.flows.steps.end import End
from bot.domain.flows.steps.followup import FollowUp
from bot.domain.flows.steps.goto import Goto
from bot.domain.flows.steps.handoff import Handoff
from bot.domain.flows.steps.say import Say
from bot.domain.flows.steps.set_var import SetVariables
from bot.domain.flows.steps.submit import Submit
from bot.domain.flows.steps.text_input import TextInput

STEP_KINDS = (
    Ask,
    TextInput,
    Checklist,
    Branch,
    SetVariables,
    Goto,
    Call,
    Handoff,
    Submit,
    FollowUp,
    End,
    Say,
)
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")

# The key that decides a step's kind, in the order they are tried.
_KIND_KEYS: tuple[tuple[str, str], ...] = (
    ("choices", "ask"),
    ("input", "input"),
    ("checklist", "checklist"),
    ("branch", "branch"),
    ("set", "set"),
    ("goto", "goto"),
    ("call", "call"),
    ("handoff", "handoff"),
    ("submit", "submit"),
    ("remind", "remind"),
    ("end", "end"),
    ("say", "say"),
)


def step_kind(value: Any) -> str | None:
    """The kind of a raw step mapping, from the keys it has (None: not a step)."""
    if isinstance(value, BaseModel):
        return str(getattr(value, "kind", None))
    if not isinstance(value, dict):
        return None
    for key, kind in _KIND_KEYS:
        if key in value:
            return kind
    return None


AnyStep = Annotated[
    Annotated[Ask, Tag("ask")]
    | Annotated[TextInput, Tag("input")]
    | Annotated[Checklist, Tag("checklist")]
    | Annotated[Branch, Tag("branch")]
    | Annotated[SetVariables, Tag("set")]
    | Annotated[Goto, Tag("goto")]
    | Annotated[Call, Tag("call")]
    | Annotated[Handoff, Tag("handoff")]
    | Annotated[Submit, Tag("submit")]
    | Annotated[FollowUp, Tag("remind")]
    | Annotated[End, Tag("end")]
    | Annotated[Say, Tag("say")],
    Discriminator(
        step_kind,
        custom_error_type="unknown_step_kind",
        custom_error_message="a step needs one of: say, ask + choices, ask + input, checklist, branch, set, goto, call, handoff, submit, remind, end",
    ),
]


class Flow(BaseModel):
    """One conversation flow, as written in flows/<id>.yaml."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int = Field(ge=1)
    title: str
    audience: Literal["parent", "buddy", "all"]
    sources: list[HttpUrl] = Field(min_length=1)
    start: str
    steps: dict[str, AnyStep] = Field(min_length=1)

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the whole definition: a conversation remembers the one it started
        on, so editing the file does not break conversations under way."""
        return hashlib.sha256(self.definition_json().encode()).hexdigest()[:16]

    def definition(self) -> dict[str, Any]:
        """The flow as plain JSON data, to keep in the database and validate again later."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True, by_alias=True)
        return data

    def definition_json(self) -> str:
        return self.model_dump_json(exclude_none=True, by_alias=True)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use lowercase letters, digits, - and _ (at most 41 characters)")
        return value

    @field_validator("steps")
    @classmethod
    def _check_step_ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        for step_id in value:
            if not _ID.match(step_id):
                raise ValueError(f"step id {step_id!r}: use lowercase letters, digits, - and _")
        return value

"""ask for free text with a validator; a friendly re-ask in the user's language when it fails.

    child_age_years:
      ask: How old is your child? Write a number.
      input: {type: range, min: 0, max: 18}
      retry: Please write the age as a number, for example 7.
      save: child_age
      next: by_age

Types: number, range (min/max), date (day.month.year), yes_no, phone, email, pattern (regex).
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from bot.domain.flows.runtime import Answer, Question, Retry, Typed
from bot.domain.flows.steps.base import Context, Move, Shown, Step

YES = {"yes", "y", "kyllä", "k", "joo", "ja", "да", "так", "jah", "نعم", "بله", "haa", "بەڵێ"}
NO = {"no", "n", "ei", "nej", "нет", "ні", "لا", "نه", "maya", "نەخێر"}
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


class InputRule(BaseModel):
    """What counts as a valid answer."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text", "number", "range", "date", "yes_no", "phone", "email", "pattern"] = "text"
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    max_length: int = 500

    @model_validator(mode="after")
    def _check(self) -> InputRule:
        if self.type == "pattern":
            if not self.pattern:
                raise ValueError("type pattern needs a `pattern`")
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"invalid pattern: {error}") from None
        if self.type == "range" and (self.min is None or self.max is None):
            raise ValueError("type range needs both `min` and `max`")
        return self

    def parse(self, text: str) -> object | None:
        """The answer as a value, or None when it is not valid."""
        text = text.strip()
        if not text or len(text) > self.max_length:
            return None
        if self.type == "text":
            return text
        if self.type in ("number", "range"):
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                return None
            if (self.min is not None and value < self.min) or (
                self.max is not None and value > self.max
            ):
                return None
            return int(value) if value.is_integer() else value
        if self.type == "date":
            match = _DATE.match(text)
            if not match:
                return None
            day, month, year = (int(part) for part in match.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return None
        if self.type == "yes_no":
            lowered = text.lower()
            return True if lowered in YES else False if lowered in NO else None
        if self.type == "phone":
            return re.sub(r"[ ()-]", "", text) if _PHONE.match(text) else None
        if self.type == "email":
            return text if _EMAIL.match(text) else None
        assert self.pattern is not None
        return text if re.fullmatch(self.pattern, text) else None


class TextInput(Step):
    kind: ClassVar[str] = "input"

    ask: str
    input: InputRule
    save: str
    retry: str | None = None

    def sets(self) -> set[str]:
        return {self.save}

    def texts(self) -> list[Shown]:
        found: list[Shown] = [(("ask",), self.ask, "message")]
        if self.retry:
            found.append((("retry",), self.retry, "message"))
        return found

    def run(self, context: Context) -> Move:
        return Move(
            [Question(context.step_id, self.ask, "input", can_go_back=context.can_go_back)],
            wait=True,
        )

    def answer(self, context: Context, answer: Answer) -> Move | None:
        if not isinstance(answer, Typed):
            return None
        value = self.input.parse(answer.text)
        if value is None:
            question = Question(context.step_id, self.ask, "input", can_go_back=context.can_go_back)
            return Move([Retry(self.retry), question], wait=True)
        context.answers[self.save] = value
        return Move(next=self.next)

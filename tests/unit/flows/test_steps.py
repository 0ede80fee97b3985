"""Golden cases of the step kinds and the expression evaluator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.domain.flows import expressions
from bot.domain.flows.model import Flow, step_kind
from bot.domain.flows.steps.followup import parse_duration
from bot.domain.flows.steps.text_input import InputRule


@pytest.mark.parametrize(
    ("rule", "text", "value"),
    [
        ({"type": "number"}, "7", 7),
        ({"type": "number"}, "7,5", 7.5),
        ({"type": "number"}, "seven", None),
        ({"type": "range", "min": 0, "max": 18}, "19", None),
        ({"type": "range", "min": 0, "max": 18}, " 12 ", 12),
        ({"type": "date"}, "2.12.2026", "2026-12-02"),
        ({"type": "date"}, "31.2.2026", None),
        ({"type": "yes_no"}, "Kyllä", True),
        ({"type": "yes_no"}, "нет", False),
        ({"type": "yes_no"}, "maybe", None),
        ({"type": "phone"}, "+358 40 123 4567", "+358401234567"),
        ({"type": "phone"}, "call me", None),
        ({"type": "email"}, "parent@example.org", "parent@example.org"),
        ({"type": "email"}, "parent@", None),
        ({"type": "pattern", "pattern": "[0-9]{5}"}, "70100", "70100"),
        ({"type": "pattern", "pattern": "[0-9]{5}"}, "7010", None),
        ({"type": "text"}, "x" * 501, None),
    ],
)
def test_input_rules(rule: dict[str, object], text: str, value: object) -> None:
    assert InputRule.model_validate(rule).parse(text) == value


def test_input_rules_are_checked_when_written() -> None:
    with pytest.raises(ValidationError):
        InputRule.model_validate({"type": "pattern", "pattern": "("})
    with pytest.raises(ValidationError):
        InputRule.model_validate({"type": "range", "min": 1})


def test_durations() -> None:
    assert parse_duration("3 days") == timedelta(days=3)
    assert parse_duration("1 week") == timedelta(weeks=1)
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_step_kind_from_keys() -> None:
    assert step_kind({"ask": "Age?", "choices": []}) == "ask"
    assert step_kind({"ask": "Age?", "input": {}}) == "input"
    assert step_kind({"say": "Hi", "checklist": ["a"]}) == "checklist"
    assert step_kind({"handoff": "x", "say": "Someone will write"}) == "handoff"
    assert step_kind({"submit": "buddy_signup", "say": "Thank you"}) == "submit"
    assert step_kind({"speak": "x"}) is None


def test_expressions_are_safe_and_read_names() -> None:
    assert (
        expressions.evaluate("age < 6 and role == 'parent'", {"age": 5, "role": "parent"}) is True
    )
    assert expressions.evaluate("band in ['basic', 'upper']", {"band": "upper"}) is True
    assert expressions.evaluate("missing == None", {}) is True
    assert expressions.names_used("len(documents) >= 2 or urgent") == {"documents", "urgent"}
    for unsafe in ["__import__('os')", "age.__class__", "[x for x in y]", "lambda: 1"]:
        with pytest.raises(expressions.ExpressionError):
            expressions.evaluate(unsafe, {"age": 1, "y": []})


def test_flow_ids_and_sources_are_required() -> None:
    base = {
        "version": 1,
        "title": "t",
        "audience": "parent",
        "start": "a",
        "steps": {"a": {"end": "x"}},
    }
    with pytest.raises(ValidationError):
        Flow.model_validate({**base, "id": "Bad Id", "sources": ["https://example.org"]})
    with pytest.raises(ValidationError):
        Flow.model_validate({**base, "id": "ok", "sources": []})
    assert (
        Flow.model_validate({**base, "id": "ok", "sources": ["https://example.org"]})
        .steps["a"]
        .kind
        == "end"
    )

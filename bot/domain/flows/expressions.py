"""Conditions and values in flows, evaluated safely with simpleeval (never Python's eval).

An expression sees the flow's saved answers and variables by name, and the user's profile as
`language` and `role`. Only comparisons, arithmetic, boolean logic, `in` and a few functions.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

PROFILE_NAMES = frozenset({"language", "role"})
FUNCTIONS: dict[str, Any] = {"len": len, "int": int, "str": str, "lower": lambda s: str(s).lower()}


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says why in plain words."""


def parse(expression: str) -> ast.Expression:
    """Parse an expression, refusing statements and syntax errors."""
    try:
        return ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None


def names_used(expression: str) -> set[str]:
    """The variable names an expression reads (function names excluded)."""
    tree = parse(expression)
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return (
        {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        - called
        - {"True", "False", "None"}
    )


def check(expression: str) -> None:
    """Refuse what the evaluator would refuse at run time: unknown functions, attributes, ..."""
    tree = parse(expression)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            raise ExpressionError("attribute access (a.b) is not allowed")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        ):
            raise ExpressionError(f"unknown function; allowed: {', '.join(sorted(FUNCTIONS))}")
        if isinstance(
            node, ast.Lambda | ast.ListComp | ast.DictComp | ast.SetComp | ast.GeneratorExp
        ):
            raise ExpressionError("comprehensions and lambdas are not allowed")


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate with the given names; a missing name counts as None rather than failing."""
    check(expression)
    evaluator = EvalWithCompoundTypes(
        names=dict.fromkeys(names_used(expression)) | dict(names), functions=dict(FUNCTIONS)
    )
    try:
        return evaluator.eval(expression.strip())
    except (InvalidExpression, TypeError, ValueError, ZeroDivisionError) as error:
        raise ExpressionError(str(error)) from None

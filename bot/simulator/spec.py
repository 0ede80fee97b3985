"""Check Bot API requests against the published specification, as Telegram would refuse them.

The specification (spec/telegram-bot-api.json, MIT, from PaulSonOfLars/telegram-bot-api-spec)
lists every method and type with its fields. Length limits live only in the descriptions
("1-4096 characters", "1-64 bytes"), so they are read from there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "telegram-bot-api.json"

_CHAR_LIMIT = re.compile(r"(\d+)-(\d+) characters")
_BYTE_LIMIT = re.compile(r"(\d+)-(\d+) bytes")
_TWO_LETTER = "two-letter ISO 639-1 language code"
# Discriminators of union members: 'Scope type, must be chat', 'always "creator"'.
_FIXED_VALUE = re.compile(r'(?:must be|always) [“"]?([a-z_]+)[”"]?\s*$')
_SCALARS = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, referenced as attach://<name> or sent directly."""

    name: str
    size: int
    content: bytes = b""


@dataclass(frozen=True)
class Spec:
    """The parsed specification: methods and types by name."""

    version: str
    methods: dict[str, dict[str, Any]]
    types: dict[str, dict[str, Any]]

    def method(self, name: str) -> dict[str, Any] | None:
        """Methods are case-insensitive in the Bot API."""
        return self.methods.get(name.lower())


@cache
def load_spec(path: Path = SPEC_PATH) -> Spec:
    raw = json.loads(path.read_text(encoding="utf-8"))
    methods = {name.lower(): body for name, body in raw["methods"].items()}
    return Spec(version=raw["version"], methods=methods, types=raw["types"])


def _utf16_length(text: str) -> int:
    """Telegram counts characters in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def decode_form_value(raw: Any, types: list[str]) -> Any:
    """Turn a form-encoded string into the JSON value it stands for, guided by the field types."""
    if not isinstance(raw, str) or types == ["String"]:
        return raw
    try:
        decoded = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(decoded, str) and "String" in types:
        return raw
    if (
        isinstance(decoded, int | float)
        and not isinstance(decoded, bool)
        and "String" in types
        and not ({"Integer", "Float"} & set(types))
    ):
        return raw
    return decoded


class SpecValidator:
    """Finds what in a request Telegram would refuse; an empty list means it is fine."""

    def __init__(self, spec: Spec | None = None) -> None:
        self.spec = spec or load_spec()

    def check_method(self, name: str, params: dict[str, Any]) -> list[str]:
        method = self.spec.method(name)
        if method is None:
            return [f"{name}: unknown method"]
        return self._check_fields(name, method.get("fields", []), params, uploads_allowed=True)

    def _check_fields(
        self,
        where: str,
        fields: list[dict[str, Any]],
        values: dict[str, Any],
        uploads_allowed: bool = False,
    ) -> list[str]:
        problems: list[str] = []
        known = {field["name"]: field for field in fields}
        for key in values:
            if key not in known:
                problems.append(f"{where}: unknown parameter {key!r}")
        for field in fields:
            name = field["name"]
            if name not in values or values[name] is None:
                if field.get("required"):
                    problems.append(f"{where}: missing required parameter {name!r}")
                continue
            problems += self._check_value(
                f"{where}.{name}", values[name], field["types"], field.get("description", "")
            )
        return problems

    def _check_value(self, where: str, value: Any, types: list[str], description: str) -> list[str]:
        attempts = [self._check_one(where, value, kind, description) for kind in types]
        for problems in attempts:
            if not problems:
                return []
        if len(types) == 1:
            return attempts[0]
        best = min(attempts, key=len)
        return (
            best
            if all(p.startswith(where + ".") for p in best) and len(best) < 3
            else [f"{where}: expected {' or '.join(types)}, got {_describe(value)}"]
        )

    def _check_one(self, where: str, value: Any, kind: str, description: str) -> list[str]:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{where}: expected {kind}, got {_describe(value)}"]
            inner = kind.removeprefix("Array of ")
            problems: list[str] = []
            for index, item in enumerate(value):
                problems += self._check_value(f"{where}[{index}]", item, [inner], "")
            return problems
        if kind in _SCALARS:
            return self._check_scalar(where, value, kind, description)
        type_spec = self.spec.types.get(kind)
        if type_spec is None:
            return [f"{where}: specification has no type {kind}"]
        if "subtypes" in type_spec:
            return self._check_value(where, value, type_spec["subtypes"], description)
        if not isinstance(value, dict):
            return [f"{where}: expected {kind}, got {_describe(value)}"]
        return self._check_fields(where, type_spec.get("fields", []), value)

    def _check_scalar(self, where: str, value: Any, kind: str, description: str) -> list[str]:
        ok = {
            "Integer": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, int | float) and not isinstance(value, bool),
            "String": isinstance(value, str),
            "Boolean": isinstance(value, bool),
            "True": value is True,
            "InputFile": isinstance(value, UploadedFile),
        }[kind]
        if not ok:
            return [f"{where}: expected {kind}, got {_describe(value)}"]
        if kind != "String":
            return []
        return _check_string_limits(where, value, description)


def _check_string_limits(where: str, value: str, description: str) -> list[str]:
    problems: list[str] = []
    chars = _CHAR_LIMIT.search(description)
    if chars:
        low, high = int(chars.group(1)), int(chars.group(2))
        length = _utf16_length(value)
        if not low <= length <= high:
            problems.append(f"{where}: {length} characters, allowed {low}-{high}")
    byte_limit = _BYTE_LIMIT.search(description)
    if byte_limit:
        low, high = int(byte_limit.group(1)), int(byte_limit.group(2))
        size = len(value.encode("utf-8"))
        if not low <= size <= high:
            problems.append(f"{where}: {size} bytes, allowed {low}-{high}")
    if _TWO_LETTER in description and value and not re.fullmatch(r"[a-z]{2}", value):
        problems.append(f"{where}: {value!r} is not a two-letter ISO 639-1 code")
    fixed = _FIXED_VALUE.search(description)
    if fixed and value != fixed.group(1):
        problems.append(f"{where}: must be {fixed.group(1)!r}, got {value!r}")
    return problems


def _describe(value: Any) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, UploadedFile)
        else "a file"
    )
    return f"{type(value).__name__} {text[:60]}"

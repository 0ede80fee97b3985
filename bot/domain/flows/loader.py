"""Read flow files with line numbers, so every problem points at its place in the YAML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from bot.domain.flows.model import Flow
from bot.domain.flows.parse_cache import ParseCache

Location = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a flow file, with its place and a plain reason."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass
class LoadedFlow:
    """A valid flow and the text it came from; the YAML tree (for positions) is parsed again
    only when a position is asked for, which a flow without problems never needs."""

    flow: Flow
    path: Path
    text: str
    _tree: CommentedMap | None = field(default=None, repr=False)

    @property
    def tree(self) -> CommentedMap:
        if self._tree is None:
            tree, _problems = parse_tree(self.text, self.path)
            self._tree = tree if tree is not None else CommentedMap()
        return self._tree

    def problem(self, location: Location, message: str) -> Problem:
        line, column = position(self.tree, location)
        return Problem(str(self.path), line, column, message)


def position(tree: Any, location: Location, at_key: bool = False) -> tuple[int, int]:
    """1-based line and column of the deepest part of `location` found in the tree: a scalar's
    value, a mapping's or list's key (or the last key itself with `at_key`)."""
    line, column = 1, 1
    node = tree
    for index, part in enumerate(location):
        if isinstance(node, CommentedMap) and part in node:
            nested = isinstance(node[part], CommentedMap | CommentedSeq)
            last_key = at_key and index == len(location) - 1
            line, column = node.lc.key(part) if nested or last_key else node.lc.value(part)
            node = node[part]
            line, column = line + 1, column + 1
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            item_line, item_column = node.lc.item(part)
            line, column = item_line + 1, item_column + 1
            node = node[part]
    return line, column


def _plain(node: Any) -> Any:
    """ruamel's commented containers and scalars as plain Python values."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _pydantic_message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}"
    if error["type"] == "missing":
        return f"missing field {error['loc'][-1]!r}"
    return message


def load_tree(path: Path) -> tuple[CommentedMap | None, list[Problem]]:
    """Parse a YAML file that must hold a mapping, keeping line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [Problem(str(path), 1, 1, f"cannot read: {error.strerror}")]
    return parse_tree(text, path)


def parse_tree(text: str, path: Path) -> tuple[CommentedMap | None, list[Problem]]:
    """Parse YAML text (from `path`) that must hold a mapping, keeping line numbers."""
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (error.context, error.problem) if part)
        return None, [Problem(str(path), line, column, f"YAML: {reason}")]
    if not isinstance(tree, CommentedMap):
        return None, [Problem(str(path), 1, 1, "the file must be a mapping (key: value lines)")]
    return tree, []


def validate_tree(
    tree: CommentedMap,
    path: Path,
    model: type[ModelT],
    clean: Callable[[Location], Location] = lambda location: location,
) -> tuple[ModelT | None, list[Problem]]:
    """Validate a YAML tree against a pydantic model; each error points at its line.

    `clean` maps pydantic's error locations to YAML paths (e.g. without union tags)."""
    try:
        return model.model_validate(_plain(tree)), []
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = clean(tuple(item["loc"]))
            line, column = position(tree, location, at_key=item["type"] == "extra_forbidden")
            field = ".".join(str(part) for part in location if part in _known_parts(tree, location))
            problems.append(
                Problem(
                    str(path),
                    line,
                    column,
                    f"{field}: {_pydantic_message(item)}" if field else _pydantic_message(item),
                )
            )
        return None, sorted(set(problems))


def load_flow(
    path: Path, cache: ParseCache | None = None
) -> tuple[LoadedFlow | None, list[Problem]]:
    """Parse and validate one flow file; a flow with problems is returned as None.

    With a cache, a file parsed before (same text) is not parsed again: its plain data is
    validated as it is. Problems always come from a fresh parse, for their positions."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [Problem(str(path), 1, 1, f"cannot read: {error.strerror}")]
    data = cache.get(text) if cache is not None else None
    if data is not None:
        try:
            return LoadedFlow(Flow.model_validate(data), path, text), []
        except ValidationError:
            pass  # reported with positions below
    tree, problems = parse_tree(text, path)
    if tree is None:
        return None, problems
    flow, problems = validate_tree(tree, path, Flow, _without_union_tag)
    if flow is None:
        return None, problems
    if cache is not None:
        cache.put(text, _plain(tree))
    return LoadedFlow(flow, path, text, tree), []


_STEP_TAGS = {
    "ask",
    "input",
    "checklist",
    "branch",
    "set",
    "goto",
    "call",
    "handoff",
    "remind",
    "end",
    "say",
}


def _without_union_tag(location: Location) -> Location:
    """pydantic puts the step kind into error locations (steps.<id>.<kind>.<field>); YAML has none."""
    if len(location) > 2 and location[0] == "steps" and location[2] in _STEP_TAGS:
        return location[:2] + location[3:]
    return location


def _known_parts(tree: Any, location: Location) -> list[str | int]:
    """The parts of a pydantic location that exist in the YAML (union tags do not)."""
    found: list[str | int] = []
    node = tree
    for part in location:
        if (isinstance(node, CommentedMap) and part in node) or (
            isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node)
        ):
            found.append(part)
            node = node[part]
        elif (
            isinstance(node, CommentedMap)
            and isinstance(part, str)
            and part not in node
            and part == location[-1]
        ):
            found.append(part)
    return found

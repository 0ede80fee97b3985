"""Everything `silta flows check` finds beyond the schema: the flow as a graph, its variables,
its expressions and its texts. A flow with any problem is refused at load; others keep working."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from pathlib import Path

from bot.domain.flows import expressions
from bot.domain.flows.loader import LoadedFlow, Problem, load_flow
from bot.domain.flows.parse_cache import ParseCache
from bot.domain.flows.steps.base import Step
from bot.domain.flows.steps.call import Call
from bot.domain.flows.steps.choice import Ask

MAX_MESSAGE = 4096  # Telegram's limit for a message
MAX_BUTTON = 40  # phones cut longer button labels
MAX_VALUE_BYTES = 32  # a choice value travels in callback data (64 bytes with the rest)


def _successors(step: Step) -> list[str]:
    return [target for _, target in step.targets()]


def reachable(loaded: LoadedFlow) -> set[str]:
    """Steps a conversation can reach from `start`."""
    flow = loaded.flow
    seen: set[str] = set()
    queue = deque([flow.start] if flow.start in flow.steps else [])
    while queue:
        step_id = queue.popleft()
        if step_id in seen:
            continue
        seen.add(step_id)
        queue.extend(t for t in _successors(flow.steps[step_id]) if t in flow.steps)
    return seen


def _must_be_set(loaded: LoadedFlow, live: set[str]) -> dict[str, set[str]]:
    """For each reachable step: the variables set on every path that arrives there."""
    flow = loaded.flow
    universe: set[str] = set().union(*(step.sets() for step in flow.steps.values()))
    predecessors: dict[str, list[str]] = {step_id: [] for step_id in flow.steps}
    for step_id in live:
        for target in _successors(flow.steps[step_id]):
            if target in predecessors:
                predecessors[target].append(step_id)
    arriving = {step_id: set(universe) for step_id in live}
    arriving[flow.start] = set()
    changed = True
    while changed:
        changed = False
        for step_id in live:
            if step_id == flow.start:
                continue
            incoming = [
                arriving[p] | flow.steps[p].sets() for p in predecessors[step_id] if p in live
            ]
            new = set.intersection(*incoming) if incoming else set()
            if new != arriving[step_id]:
                arriving[step_id] = new
                changed = True
    return arriving


def check_flow(loaded: LoadedFlow) -> list[Problem]:
    """Problems of one (schema-valid) flow."""
    flow = loaded.flow
    problems: list[Problem] = []
    if flow.start not in flow.steps:
        problems.append(loaded.problem(("start",), f"start step {flow.start!r} does not exist"))
    for step_id, step in flow.steps.items():
        where = ("steps", step_id)
        for path, target in step.targets():
            if target not in flow.steps:
                problems.append(
                    loaded.problem(
                        where + path, f"step {step_id!r} leads to unknown step {target!r}"
                    )
                )
        if not step.terminal and not step.targets():
            problems.append(
                loaded.problem(where, f"dead end: step {step_id!r} has no `next` and is not an end")
            )
        if isinstance(step, Ask):
            index = step.choice_without_target()
            if index is not None:
                problems.append(
                    loaded.problem(
                        (*where, "choices", index),
                        f"dead end: choice {index + 1} of {step_id!r} has no `next` and the step has none",
                    )
                )
            values = [choice.saved_value for choice in step.choices]
            for index, value in enumerate(values):
                if values.index(value) != index:
                    problems.append(
                        loaded.problem(
                            (*where, "choices", index),
                            f"duplicate choice value {value!r} in {step_id!r}",
                        )
                    )
                if len(value.encode()) > MAX_VALUE_BYTES:
                    problems.append(
                        loaded.problem(
                            (*where, "choices", index),
                            f"choice value {value!r} is over {MAX_VALUE_BYTES} bytes",
                        )
                    )
        for path, expression in step.expressions():
            try:
                expressions.check(expression)
            except expressions.ExpressionError as error:
                problems.append(
                    loaded.problem(where + path, f"invalid expression {expression!r}: {error}")
                )
        for path, text, what in step.texts():
            limit = MAX_MESSAGE if what == "message" else MAX_BUTTON
            if len(text) > limit:
                problems.append(
                    loaded.problem(
                        where + path,
                        f"{what} text is {len(text)} characters; Telegram shows at most {limit}",
                    )
                )
    live = reachable(loaded)
    for step_id in flow.steps:
        if step_id not in live and flow.start in flow.steps:
            problems.append(
                loaded.problem(
                    ("steps", step_id), f"step {step_id!r} can never be reached from {flow.start!r}"
                )
            )
    if flow.start in flow.steps:
        arriving = _must_be_set(loaded, live)
        for step_id in sorted(live):
            for path, expression in flow.steps[step_id].expressions():
                try:
                    expressions.check(expression)
                    names = expressions.names_used(expression)
                except expressions.ExpressionError:
                    continue  # reported above
                for name in sorted(names - arriving[step_id] - expressions.PROFILE_NAMES):
                    problems.append(
                        loaded.problem(
                            ("steps", step_id, *path),
                            f"variable {name!r} may be used before it is set",
                        )
                    )
    return problems


def check_files(
    paths: Iterable[Path], cache: ParseCache | None = None
) -> tuple[dict[str, LoadedFlow], list[Problem]]:
    """Load and check flow files together: also duplicate flow ids and calls to unknown flows.

    A cache spares parsing files parsed before; every check still runs."""
    flows: dict[str, LoadedFlow] = {}
    problems: list[Problem] = []
    for path in sorted(paths):
        loaded, load_problems = load_flow(path, cache)
        problems += load_problems
        if loaded is None:
            continue
        own = check_flow(loaded)
        problems += own
        if loaded.flow.id in flows:
            other = flows[loaded.flow.id].path
            problems.append(
                loaded.problem(("id",), f"duplicate flow id {loaded.flow.id!r} (also in {other})")
            )
            continue
        if not own:
            flows[loaded.flow.id] = loaded
    for loaded in list(flows.values()):
        for step_id, step in loaded.flow.steps.items():
            if isinstance(step, Call) and step.call not in flows:
                problems.append(
                    loaded.problem(
                        ("steps", step_id, "call"), f"calls unknown or broken flow {step.call!r}"
                    )
                )
                flows.pop(loaded.flow.id, None)
    if cache is not None:
        cache.save()
    return flows, sorted(set(problems))

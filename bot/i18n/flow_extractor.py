"""A pybabel extractor for flow YAML: every text a flow shows goes into messages.pot.

Flows are then translated with the same catalogs, tools and coverage as the interface. Each
entry carries a comment naming the flow and step, and the line it came from.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from bot.domain.flows.loader import load_flow, position

Extracted = tuple[int, str | None, str, list[str]]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's extractor interface: (line, function name, message, comments) per text."""
    name = getattr(fileobj, "name", "flow.yaml")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(str(name)).name
        path.write_bytes(fileobj.read())
        loaded, problems = load_flow(path)
    if loaded is None:
        for problem in problems:
            print(f"{name}: not extracted: {problem.message}", file=sys.stderr)
        return
    flow = loaded.flow
    yield position(loaded.tree, ("title",))[0], None, flow.title, [f"Flow {flow.id!r}: title"]
    for step_id, step in flow.steps.items():
        for field_path, text, what in step.texts():
            line = position(loaded.tree, ("steps", step_id, *field_path))[0]
            note = "button, at most 40 characters" if what == "button" else "message"
            yield line, None, text, [f"Flow {flow.id!r}, step {step_id!r}: {note}"]

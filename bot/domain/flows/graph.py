"""A picture of a flow as Mermaid text, for people who would rather look than read.

GitHub, GitLab and most Markdown previews draw Mermaid blocks; `silta flows graph` prints it.
"""

from __future__ import annotations

from bot.domain.flows.model import Flow
from bot.domain.flows.steps.base import Step
from bot.domain.flows.steps.branch import Branch
from bot.domain.flows.steps.choice import Ask

# Mermaid node shapes by step kind: (opening, closing).
_SHAPES: dict[str, tuple[str, str]] = {
    "ask": ("{", "}"),
    "input": ("[/", "/]"),
    "checklist": ("[[", "]]"),
    "branch": ("{{", "}}"),
    "end": ("([", "])"),
    "handoff": ("[(", ")]"),
    "call": ("[[", "]]"),
}
_LABEL = 40


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _LABEL:
        text = text[: _LABEL - 1] + "…"
    return '"' + text.replace('"', "#quot;") + '"'


def caption(step_id: str, step: Step) -> str:
    texts = step.texts()
    if isinstance(step, Branch):
        return step_id
    if step.kind == "call":
        return f"{step_id}: {getattr(step, 'call', '')}"
    return f"{step_id}: {texts[0][1]}" if texts else step_id


def edge_labels(step: Step) -> dict[str, list[str]]:
    """Edge labels by target: the choice labels or branch conditions that lead there."""
    labels: dict[str, list[str]] = {}
    if isinstance(step, Ask):
        for choice in step.choices:
            labels.setdefault(choice.next or step.next or "", []).append(choice.label)
    elif isinstance(step, Branch):
        for case in step.branch:
            labels.setdefault(case.next, []).append(case.when)
        labels.setdefault(step.otherwise, []).append("otherwise")
    return labels


def mermaid(flow: Flow) -> str:
    """The flow as a Mermaid flowchart: one node per step, one arrow per way on."""
    lines = ["flowchart TD", f"  %% {flow.title} (version {flow.version})"]
    for step_id, step in flow.steps.items():
        opening, closing = _SHAPES.get(step.kind, ("[", "]"))
        marker = "▶ " if step_id == flow.start else ""
        lines.append(f"  {step_id}{opening}{_quote(marker + caption(step_id, step))}{closing}")
    for step_id, step in flow.steps.items():
        labels = edge_labels(step)
        seen: set[str] = set()
        for _, target in step.targets():
            if target in seen:
                continue
            seen.add(target)
            text = " / ".join(labels.get(target, []))
            arrow = f" -->|{_quote(text)}| " if text else " --> "
            lines.append(f"  {step_id}{arrow}{target}")
    return "\n".join(lines) + "\n"

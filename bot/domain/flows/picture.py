"""A flow as an SVG picture, for editors who would rather look than read.

grandalf (a layered, Sugiyama-style layout in pure Python) places the steps and routes the
arrows; this module only draws them: a box per step, shaped and coloured by its kind, with the
step's name and the start of its text, and an arrow per way on, labelled with the choice or
condition that leads there. Any browser opens the file; no Graphviz or Node.js is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import EdgeViewer, route_with_lines

from bot.domain.flows.graph import edge_labels
from bot.domain.flows.model import Flow
from bot.domain.flows.steps.base import Step
from bot.domain.flows.steps.branch import Branch

FONT = 12
LINE = 15  # px per text line
CHAR = 6.6  # px per character, a fair average for sans-serif at 12 px
WRAP = 30  # characters per line in a box
MAX_LINES = 3
MARGIN = 24

# Fill colours by step kind: questions warm, messages cool, people red, the end grey.
FILLS: dict[str, str] = {
    "say": "#e8f0fe",
    "ask": "#fff4d6",
    "input": "#fff4d6",
    "checklist": "#e6f4ea",
    "branch": "#f3e8fd",
    "set": "#f1f3f4",
    "goto": "#f1f3f4",
    "call": "#f1f3f4",
    "handoff": "#fce8e6",
    "remind": "#e8f0fe",
    "end": "#dadce0",
}


@dataclass
class _Box:
    """grandalf's view of a vertex: its size in, its centre out."""

    w: float
    h: float
    xy: tuple[float, float] = (0.0, 0.0)


def _lines(step_id: str, step: Step, translate: Callable[[str], str]) -> list[str]:
    texts = step.texts()
    title = f"{step_id} ({step.kind})"
    if isinstance(step, Branch) or not texts:
        detail = getattr(step, "call", None) or ""
        return [title, detail] if detail else [title]
    body = textwrap.wrap(" ".join(translate(texts[0][1]).split()), WRAP)
    if len(body) > MAX_LINES:
        body = body[:MAX_LINES]
        body[-1] = body[-1][: WRAP - 1] + "…"
    return [title, *body]


def _shape(kind: str, x: float, y: float, w: float, h: float, start: bool) -> str:
    """The outline of a box centred at (x, y)."""
    fill = FILLS.get(kind, "#ffffff")
    stroke = f'stroke="#202124" stroke-width="{2.5 if start else 1}"'
    left, top = x - w / 2, y - h / 2
    if kind == "branch":
        d = 12
        points = [
            (left, y),
            (left + d, top),
            (left + w - d, top),
            (left + w, y),
            (left + w - d, top + h),
            (left + d, top + h),
        ]
        joined = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        return f'<polygon points="{joined}" fill="{fill}" {stroke}/>'
    radius = h / 2 if kind == "end" else 8 if kind in ("ask", "input", "checklist") else 2
    shape = (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'rx="{radius:.1f}" fill="{fill}" {stroke}/>'
    )
    if kind == "handoff":  # a double border: a person takes over here
        shape += (
            f'<rect x="{left + 3:.1f}" y="{top + 3:.1f}" width="{w - 6:.1f}" '
            f'height="{h - 6:.1f}" rx="1" fill="none" stroke="#202124"/>'
        )
    return shape


def svg(flow: Flow, translate: Callable[[str], str] = lambda text: text, rtl: bool = False) -> str:
    """The flow as a standalone SVG document (texts through `translate`, e.g. a catalog;
    `rtl` lays the texts out right to left, for Arabic, Persian or Sorani)."""
    vertices: dict[str, Vertex] = {}
    lines: dict[str, list[str]] = {}
    for step_id, step in flow.steps.items():
        lines[step_id] = _lines(step_id, step, translate)
        width = max(len(line) for line in lines[step_id]) * CHAR + 24
        vertex = Vertex(step_id)
        vertex.view = _Box(width, len(lines[step_id]) * LINE + 14)
        vertices[step_id] = vertex
    edges: list[tuple[Edge, str]] = []
    for step_id, step in flow.steps.items():
        labels = edge_labels(step)
        seen: set[str] = set()
        for _, target in step.targets():
            if target in seen or target not in vertices or target == step_id:
                continue
            seen.add(target)
            edge = Edge(vertices[step_id], vertices[target])
            edge.view = EdgeViewer()
            label = " / ".join(translate(text) for text in labels.get(target, []))
            edges.append((edge, label))
    graph = Graph(list(vertices.values()), [edge for edge, _ in edges])
    offset = 0.0
    for component in graph.C:  # side by side, the start's first
        layout = SugiyamaLayout(component)
        layout.route_edge = route_with_lines
        layout.xspace, layout.yspace = 28, 46
        roots = [v for v in component.sV if v.data == flow.start] or None
        layout.init_all(roots=roots)
        layout.draw()
        xs = [v.view.xy[0] - v.view.w / 2 for v in component.sV]
        shift = offset - min(xs)
        for vertex in component.sV:
            vertex.view.xy = (vertex.view.xy[0] + shift, vertex.view.xy[1])
        for edge in component.sE:
            edge.view._pts = [(px + shift, py) for px, py in edge.view._pts]
        offset = max(v.view.xy[0] + v.view.w / 2 for v in component.sV) + 40
    return _draw(flow, vertices, lines, edges, translate, rtl)


def _draw(
    flow: Flow,
    vertices: dict[str, Vertex],
    lines: dict[str, list[str]],
    edges: list[tuple[Edge, str]],
    translate: Callable[[str], str],
    rtl: bool,
) -> str:
    direction = ' direction="rtl"' if rtl else ""
    boxes = [v.view for v in vertices.values()]
    points = [p for edge, _ in edges for p in edge.view._pts]
    min_x = min([b.xy[0] - b.w / 2 for b in boxes] + [p[0] for p in points]) - MARGIN
    max_x = max([b.xy[0] + b.w / 2 for b in boxes] + [p[0] for p in points]) + MARGIN
    min_y = min([b.xy[1] - b.h / 2 for b in boxes] + [p[1] for p in points]) - MARGIN - 30
    max_y = max([b.xy[1] + b.h / 2 for b in boxes] + [p[1] for p in points]) + MARGIN
    width, height = max(max_x - min_x, 320), max_y - min_y
    title = escape(f"{translate(flow.title)} ({flow.id}, version {flow.version})")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{min_x:.1f} {min_y:.1f} {width:.1f} {height:.1f}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f"<title>{title}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#5f6368"/></marker></defs>',
        f'<rect x="{min_x:.1f}" y="{min_y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        'fill="#ffffff"/>',
        f'<text x="{min_x + MARGIN:.1f}" y="{min_y + MARGIN + 4:.1f}" font-size="15" '
        f'font-weight="bold">{title}</text>',
    ]
    for edge, label in edges:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.view._pts)
        out.append(
            f'<polyline class="edge" data-from="{escape(edge.v[0].data)}" '
            f'data-to="{escape(edge.v[1].data)}" points="{path}" fill="none" '
            'stroke="#5f6368" marker-end="url(#arrow)"/>'
        )
        if label:
            (x1, y1), (x2, y2) = edge.view._pts[0], edge.view._pts[1]
            short = label if len(label) <= 28 else label[:27] + "…"
            out.append(
                f'<text x="{(x1 + x2) / 2 + 4:.1f}" y="{(y1 + y2) / 2:.1f}" font-size="10" '
                f'fill="#3c4043" paint-order="stroke" stroke="#ffffff" stroke-width="3"{direction}>'
                f"{escape(short)}</text>"
            )
    for step_id, vertex in vertices.items():
        box, step = vertex.view, flow.steps[step_id]
        x, y = box.xy
        out.append(f'<g class="step" id="step-{escape(step_id)}">')
        out.append(_shape(step.kind, x, y, box.w, box.h, step_id == flow.start))
        top = y - box.h / 2 + 7 + FONT
        for index, text in enumerate(lines[step_id]):
            weight = ' font-weight="bold"' if index == 0 else direction
            out.append(
                f'<text x="{x:.1f}" y="{top + index * LINE:.1f}" text-anchor="middle"{weight}>'
                f"{escape(text)}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"

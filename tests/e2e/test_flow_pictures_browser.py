"""`silta flows graph --svg` pictures of the shipped flows, drawn by a real (headless) Chromium:
every step's box is on the picture, no two boxes overlap, and every text fits in its box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import PROJECT_ROOT

pytestmark = pytest.mark.browser

FLOW_IDS = sorted(path.stem for path in (PROJECT_ROOT / "flows").glob("*.yaml"))

MEASURE = """
return [...document.querySelectorAll('g.step')].map(g => {
  const shape = g.firstElementChild.getBBox();
  const texts = [...g.querySelectorAll('text')].map(t => t.getBBox());
  return {id: g.id, x: shape.x, y: shape.y, w: shape.width, h: shape.height,
          left: Math.min(...texts.map(t => t.x)),
          right: Math.max(...texts.map(t => t.x + t.width)),
          top: Math.min(...texts.map(t => t.y)),
          bottom: Math.max(...texts.map(t => t.y + t.height))};
});
"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_flow_picture_renders(browser: Any, tmp_path: Path, flow_id: str, language: str) -> None:
    picture = tmp_path / f"{flow_id}-{language}.svg"
    result = CliRunner().invoke(
        app, ["flows", "graph", flow_id, "--output", str(picture), "--language", language]
    )
    assert result.exit_code == 0, result.output
    browser.get(picture.as_uri())
    boxes: list[dict[str, Any]] = browser.execute_script(MEASURE)
    assert len(boxes) == picture.read_text(encoding="utf-8").count('<g class="step"')
    assert boxes and all(box["w"] > 0 and box["h"] > 0 for box in boxes)
    for box in boxes:
        assert box["left"] >= box["x"] - 1 and box["right"] <= box["x"] + box["w"] + 1, (
            f"{box['id']}: text wider than its box"
        )
        assert box["top"] >= box["y"] - 1 and box["bottom"] <= box["y"] + box["h"] + 1, (
            f"{box['id']}: text taller than its box"
        )
    for index, box in enumerate(boxes):
        for other in boxes[index + 1 :]:
            assert not _overlap(box, other), f"{box['id']} overlaps {other['id']}"

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.flows.check import check_files
from bot.domain.flows.graph import mermaid
from bot.domain.flows.picture import svg
from tests.unit.flows.test_check import GOOD, write

SVG = "{http://www.w3.org/2000/svg}"


def test_mermaid_has_every_step_and_way_on(tmp_path: Path) -> None:
    flows, problems = check_files([write(tmp_path, GOOD)])
    assert not problems
    text = mermaid(flows["demo"].flow)
    assert text.splitlines() == [
        "flowchart TD",
        "  %% Demo (version 1)",
        '  first{"▶ first: How old is your child?"}',
        '  young["young: Early childhood education."]',
        '  check_band{{"check_band"}}',
        '  done(["done: Bye."])',
        '  first -->|"Under 6"| young',
        '  first -->|"7 to 15"| check_band',
        "  young --> done",
        "  check_band -->|\"band == 'basic' and role == 'parent' / …\"| done",
    ]


def test_svg_has_a_box_per_step_and_an_arrow_per_way_on(tmp_path: Path) -> None:
    flows, problems = check_files([write(tmp_path, GOOD)])
    assert not problems
    document = ElementTree.fromstring(svg(flows["demo"].flow))
    steps = document.findall(f"{SVG}g[@class='step']")
    assert sorted(g.get("id", "") for g in steps) == [
        "step-check_band",
        "step-done",
        "step-first",
        "step-young",
    ]
    arrows = {
        (line.get("data-from"), line.get("data-to"))
        for line in document.findall(f"{SVG}polyline[@class='edge']")
    }
    assert arrows == {
        ("first", "young"),
        ("first", "check_band"),
        ("young", "done"),
        ("check_band", "done"),
    }
    texts = [t.text for t in document.iter(f"{SVG}text")]
    assert "How old is your child?" in texts and "Under 6" in texts
    first = document.find(f"{SVG}g[@id='step-first']")
    assert first is not None and first[0].get("stroke-width") == "2.5", "the start stands out"


def test_svg_in_another_language_reads_right_to_left(tmp_path: Path) -> None:
    flows, _ = check_files([write(tmp_path, GOOD)])
    arabic = {"How old is your child?": "كم عمر طفلك؟"}
    document = ElementTree.fromstring(
        svg(flows["demo"].flow, lambda text: arabic.get(text, text), rtl=True)
    )
    line = next(t for t in document.iter(f"{SVG}text") if t.text == "كم عمر طفلك؟")
    assert line.get("direction") == "rtl"


def test_cli_draws_a_flow_by_id_as_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, GOOD)
    monkeypatch.setenv("FLOWS_DIR", str(tmp_path))
    result = CliRunner().invoke(
        app, ["flows", "graph", "demo", "--output", str(tmp_path / "d.svg")]
    )
    assert result.exit_code == 0, result.output
    assert ElementTree.parse(tmp_path / "d.svg").getroot().tag == f"{SVG}svg"
    mermaid_text = CliRunner().invoke(app, ["flows", "graph", "demo"])
    assert mermaid_text.output.startswith("flowchart TD")
    wrong = CliRunner().invoke(app, ["flows", "graph", "demo", "--svg", "--language", "xx"])
    assert wrong.exit_code == 2

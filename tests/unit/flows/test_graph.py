from __future__ import annotations

from pathlib import Path

from bot.domain.flows.check import check_files
from bot.domain.flows.graph import mermaid
from tests.unit.flows.test_check import GOOD, write


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

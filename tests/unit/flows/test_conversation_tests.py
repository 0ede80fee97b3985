"""The flow-test runner: what a script line checks, and how a failure points at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.flows.check import check_files
from bot.domain.flows.conversation_tests import load_script, run_script
from bot.domain.flows.model import Flow

FLOW = """\
id: age
version: 1
title: Age
audience: parent
sources: [https://example.org/source]
start: ask_age
steps:
  ask_age:
    ask: How old is your child?
    input: {type: range, min: 0, max: 18}
    retry: Write a number from 0 to 18.
    save: child_age
    next: by_age
  by_age:
    branch:
      - {when: "child_age < 6", next: young}
    otherwise: help
  young:
    say: Early childhood education.
    next: help
  help:
    ask: Do you want help?
    choices:
      - {label: "Yes, please", value: "yes", next: person}
      - {label: "No", value: "no", next: done}
  person:
    handoff: community_instructor
    say: Someone will write to you.
  done:
    end: You are ready.
"""

# A tiny Finnish catalog: the translator the runner is given.
FINNISH = {
    "How old is your child?": "Kuinka vanha lapsesi on?",
    "Write a number from 0 to 18.": "Kirjoita luku 0–18.",
    "Early childhood education.": "Varhaiskasvatus.",
    "Do you want help?": "Haluatko apua?",
    "Yes, please": "Kyllä, kiitos",
    "No": "Ei",
    "Someone will write to you.": "Joku kirjoittaa sinulle.",
    "You are ready.": "Olet valmis.",
}


def translate(text: str, language: str) -> str:
    return FINNISH.get(text, text) if language == "fi" else text


@pytest.fixture
def flows(tmp_path: Path) -> dict[str, Flow]:
    path = tmp_path / "age.yaml"
    path.write_text(FLOW, encoding="utf-8")
    loaded, problems = check_files([path])
    assert problems == []
    return {flow_id: item.flow for flow_id, item in loaded.items()}


def play(
    tmp_path: Path, flows: dict[str, Flow], script: str, language: str | None = None
) -> list[str]:
    path = tmp_path / "tests" / "age.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    loaded, problems = load_script(path)
    assert loaded is not None, problems
    report = run_script(loaded, flows, translate, language)
    return [f"{failure.line}: {failure.message}" for failure in report.failures]


def test_a_script_that_holds(tmp_path: Path, flows: dict[str, Flow]) -> None:
    script = """\
        flow: age
        cases:
          - name: young child, typed badly first
            talk:
              - bot: How old is your child?
              - type: four
              - retry
              - bot: Write a number from 0 to 18.
              - type: {fi: "4", default: "4"}
              - bot: Early childhood
              - saved: {child_age: 4}
              - buttons: [Yes, No]
              - press: "Yes"
              - handoff: community_instructor
              - end
    """
    assert play(tmp_path, flows, script) == []
    assert play(tmp_path, flows, script, "fi") == []


def test_a_script_written_in_finnish_runs_in_english(
    tmp_path: Path, flows: dict[str, Flow]
) -> None:
    script = """\
        flow: age
        language: fi
        cases:
          - name: isompi lapsi
            talk:
              - bot: Kuinka vanha
              - type: "9"
              - bot: Haluatko apua?
              - press: Ei
              - bot: Olet valmis.
              - end
    """
    assert play(tmp_path, flows, script) == []
    assert play(tmp_path, flows, script, "en") == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- bot: Something else", "bot: no flow text is 'Something else' or contains it"),
        ("- press: Maybe", "press: no button is 'Maybe' or contains it"),
        ("- end", "end: the conversation has not ended: it waits at 'help'"),
        ("- step: ask_age", "step: the conversation is at 'help', not at 'ask_age'"),
        ("- handoff: school", "handoff: no request for a person on 'school'"),
        ("- tick: Passport", "tick: step 'help' is not a checklist"),
        ("- saved: {child_age: 10}", "saved: saved answers differ: {'child_age': 9}"),
        ("- bot: Early childhood", "bot: the bot did not say 'Early childhood education.'"),
    ],
)
def test_each_kind_of_failure_points_at_its_line(
    tmp_path: Path, flows: dict[str, Flow], line: str, expected: str
) -> None:
    script = f"""\
        flow: age
        cases:
          - name: nine years old
            talk:
              - type: "9"
              {line}
    """
    failures = play(tmp_path, flows, script)
    assert len(failures) == 1
    assert failures[0].startswith(f"6: [en] nine years old: {expected}")


def test_an_ambiguous_text_asks_for_more(tmp_path: Path, flows: dict[str, Flow]) -> None:
    failures = play(
        tmp_path,
        flows,
        """\
        flow: age
        cases:
          - name: vague
            talk:
              - bot: you
    """,
    )
    assert "fits several flow texts" in failures[0] and "write more of it" in failures[0]


def test_script_problems_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("flow: age\ncases:\n  - name: x\n    talk:\n      - press: A\n        bot: B\n")
    loaded, problems = load_script(path)
    assert loaded is None
    assert [(p.line, p.message) for p in problems] == [
        (5, "cases.0.talk.0: each line does one thing: bot, press, type, tick, end, ...")
    ]


def test_cli_runs_scripts_and_reports_coverage(
    tmp_path: Path, flows: dict[str, Flow], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "age.yaml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "age.yaml").write_text(
        "flow: age\ncases:\n  - name: older\n    talk: [{type: '9'}, {press: 'No'}, end]\n"
    )
    monkeypatch.setenv("FLOWS_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["flows", "test", "--language", "all"])
    assert result.exit_code == 0, result.output
    assert "age: branch of step 'by_age' to 'young' never taken" in result.output
    assert "choice 'Yes, please' of step 'help' never pressed" in result.output
    strict = runner.invoke(app, ["flows", "test", "--all-branches"])
    assert strict.exit_code == 1
    wrong = runner.invoke(app, ["flows", "test", "--language", "xx"])
    assert wrong.exit_code == 2 and "Unknown language: xx" in wrong.output

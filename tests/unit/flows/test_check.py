"""`silta flows check`: each kind of problem, reported with its line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.domain.flows.check import check_files
from bot.domain.flows.schema import schema_json

HEADER = """\
id: {id}
version: 1
title: Demo
audience: parent
sources: [https://example.org/source]
start: first
steps:
"""


def write(tmp_path: Path, steps: str, flow_id: str = "demo", name: str | None = None) -> Path:
    path = tmp_path / f"{name or flow_id}.yaml"
    path.write_text(
        HEADER.format(id=flow_id) + textwrap.indent(textwrap.dedent(steps), "  "), encoding="utf-8"
    )
    return path


def problems_of(*paths: Path) -> list[str]:
    _flows, problems = check_files(paths)
    return [f"{problem.line}:{problem.column}: {problem.message}" for problem in problems]


GOOD = """\
first:
  ask: How old is your child?
  save: band
  choices:
    - {label: Under 6, value: under6, next: young}
    - {label: 7 to 15, value: basic}
  next: check_band
young:
  say: Early childhood education.
  next: done
check_band:
  branch:
    - {when: "band == 'basic' and role == 'parent'", next: done}
  otherwise: done
done:
  end: Bye.
"""


def test_a_good_flow_has_no_problems(tmp_path: Path) -> None:
    flows, problems = check_files([write(tmp_path, GOOD)])
    assert problems == [] and list(flows) == ["demo"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            "first:\n  say: Hi\n  next: nowhere\n",
            ["10:11: step 'first' leads to unknown step 'nowhere'"],
        ),
        (
            "first:\n  say: Hi\n  next: done\nlost:\n  say: x\n  next: done\ndone:\n  end: Bye\n",
            ["11:3: step 'lost' can never be reached from 'first'"],
        ),
        (
            "first:\n  say: Hi\n",
            ["8:3: dead end: step 'first' has no `next` and is not an end"],
        ),
        (
            "first:\n  ask: Pick\n  choices:\n    - {label: A, next: done}\n    - {label: B}\ndone:\n  end: Bye\n",
            ["12:9: dead end: choice 2 of 'first' has no `next` and the step has none"],
        ),
        (
            'first:\n  branch:\n    - {when: "age > 3", next: done}\n  otherwise: done\ndone:\n  end: Bye\n',
            ["10:16: variable 'age' may be used before it is set"],
        ),
        (
            "first:\n  branch:\n    - {when: \"open('x')\", next: done}\n  otherwise: done\ndone:\n  end: Bye\n",
            [
                "10:16: invalid expression \"open('x')\": unknown function; allowed: int, len, lower, str"
            ],
        ),
        (
            'first:\n  branch:\n    - {when: "age >", next: done}\n  otherwise: done\ndone:\n  end: Bye\n',
            ["10:16: invalid expression 'age >': not a valid expression: invalid syntax"],
        ),
        (
            "first:\n  say: " + "x" * 4097 + "\n  next: done\ndone:\n  end: Bye\n",
            ["9:10: message text is 4097 characters; Telegram shows at most 4096"],
        ),
        (
            "first:\n  ask: Pick\n  choices:\n    - {label: "
            + "y" * 41
            + ", next: done}\ndone:\n  end: Bye\n",
            [
                "11:9: choice value '" + "y" * 41 + "' is over 32 bytes",
                "11:17: button text is 41 characters; Telegram shows at most 40",
            ],
        ),
        (
            "first:\n  ask: Pick\n  choices:\n    - {label: A, value: a, next: done}\n    - {label: B, value: a, next: done}\ndone:\n  end: Bye\n",
            ["12:9: duplicate choice value 'a' in 'first'"],
        ),
    ],
    ids=[
        "unknown-target",
        "unreachable",
        "dead-end",
        "choice-dead-end",
        "used-before-set",
        "unsafe-expression",
        "syntax",
        "long-message",
        "long-button",
        "duplicate-value",
    ],
)
def test_each_problem_with_its_place(tmp_path: Path, steps: str, expected: list[str]) -> None:
    assert problems_of(write(tmp_path, steps)) == expected


def test_variable_set_on_only_one_path(tmp_path: Path) -> None:
    steps = """\
    first:
      ask: Pick
      choices:
        - {label: A, next: ask_age}
        - {label: B, next: decide}
    ask_age:
      ask: Age?
      input: {type: number}
      save: age
      next: decide
    decide:
      branch:
        - {when: "age > 3", next: done}
      otherwise: done
    done:
      end: Bye
    """
    assert problems_of(write(tmp_path, steps)) == [
        "20:16: variable 'age' may be used before it is set"
    ]


def test_schema_problems_point_at_the_field(tmp_path: Path) -> None:
    steps = "first:\n  say: Hi\n  nxet: done\ndone:\n  end: Bye\n"
    assert problems_of(write(tmp_path, steps)) == ["10:5: steps.first.nxet: unknown field 'nxet'"]
    steps = "first:\n  speak: Hi\n"
    found = problems_of(write(tmp_path, steps))
    assert len(found) == 1 and found[0].startswith("8:3: ") and "a step needs one of" in found[0]


def test_yaml_errors_and_duplicate_step_ids(tmp_path: Path) -> None:
    steps = "first:\n  say: Hi\n  next: done\nfirst:\n  end: Bye\n"
    found = problems_of(write(tmp_path, steps))
    assert (
        len(found) == 1
        and found[0].startswith("11:3: YAML:")
        and 'duplicate key "first"' in found[0]
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nsteps: [unclosed\n", encoding="utf-8")
    assert problems_of(broken)[0].startswith("3:1: YAML:")


def test_duplicate_flow_ids_and_unknown_calls(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "demo", "a")
    second = write(tmp_path, GOOD, "demo", "b")
    assert problems_of(first, second) == [f"1:5: duplicate flow id 'demo' (also in {first})"]
    caller = write(tmp_path, "first:\n  call: missing\n  next: done\ndone:\n  end: Bye\n", "caller")
    assert problems_of(caller) == ["9:11: calls unknown or broken flow 'missing'"]


def test_published_schema_is_current() -> None:
    published = (PROJECT_ROOT / "flows" / "flow.schema.json").read_text(encoding="utf-8")
    assert published == schema_json(), "run `silta flows schema`"


def test_cli_reports_and_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.chdir(tmp_path)
    good = write(tmp_path, GOOD, "good")
    bad = write(tmp_path, "first:\n  say: Hi\n  next: nowhere\n", "bad")
    runner = CliRunner()
    result = runner.invoke(app, ["flows", "check", str(good)])
    assert result.exit_code == 0
    result = runner.invoke(app, ["flows", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:10:11: step 'first' leads to unknown step 'nowhere'" in result.output

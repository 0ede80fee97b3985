"""The interpreter over a flow that uses every step kind."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.flows.check import check_files
from bot.domain.flows.interpreter import FlowError, Interpreter
from bot.domain.flows.runtime import (
    Back,
    ChecklistDone,
    Finished,
    FlowState,
    FollowUpRequested,
    HandoffRequested,
    NotNow,
    Picked,
    Question,
    Retry,
    Say,
    Submitted,
    Ticked,
    Typed,
)

MAIN = """\
id: main
version: 3
title: Main
audience: parent
sources: [https://example.org/source]
start: age
steps:
  age:
    ask: How old is your child?
    input: {type: range, min: 0, max: 18}
    retry: Write a number from 0 to 18.
    save: child_age
    next: by_age
  by_age:
    branch:
      - {when: "child_age < 6", next: young}
    otherwise: school
  young:
    say: Early childhood education.
    next: docs
  school:
    set: {grade: "child_age - 6"}
    next: docs
  docs:
    say: Take these with you.
    checklist: [Passport, School reports]
    save: documents
    next: help
  help:
    ask: Do you want help?
    save: wants_help
    choices:
      - {label: Yes, value: "yes", next: person}
      - {label: Tell me about Wilma, value: wilma, next: wilma}
      - {label: No, value: "no", next: remind}
  wilma:
    call: wilma
    next: remind
  person:
    handoff: community_instructor
    say: Someone will write to you.
  remind:
    remind: Did you find the documents?
    after: 3 days
    next: done
  done:
    end: You are ready.
"""

WILMA = """\
id: wilma
version: 1
title: Wilma
audience: parent
sources: [https://example.org/wilma]
start: what
steps:
  what:
    say: Wilma is the school's message system.
    next: bye
  bye:
    end: That was Wilma.
"""


@pytest.fixture
def interpreter(tmp_path: Path) -> Interpreter:
    (tmp_path / "main.yaml").write_text(MAIN, encoding="utf-8")
    (tmp_path / "wilma.yaml").write_text(WILMA, encoding="utf-8")
    flows, problems = check_files([tmp_path / "main.yaml", tmp_path / "wilma.yaml"])
    assert problems == []
    return Interpreter(
        {flow_id: loaded.flow for flow_id, loaded in flows.items()},
        {"language": "fi", "role": "parent"},
    )


def test_start_asks_the_first_question(interpreter: Interpreter) -> None:
    state, outputs = interpreter.start("main")
    assert outputs == [Question("age", "How old is your child?", "input")]
    assert interpreter.position(state) == (1, 3)


def test_invalid_text_is_asked_again_and_changes_nothing(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("main")
    outputs = interpreter.answer(state, Typed("twelve"))
    assert outputs == [
        Retry("Write a number from 0 to 18."),
        Question("age", "How old is your child?", "input"),
    ]
    assert state.current.step == "age" and state.current.answers == {}


def test_branch_set_checklist_and_call_then_end(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("main")
    outputs = interpreter.answer(state, Typed("9"))
    assert outputs == [
        Question(
            "docs", "Take these with you.", "checklist", ("Passport", "School reports"), (), True
        )
    ]
    assert state.current.answers["grade"] == 3
    assert interpreter.answer(state, Ticked("docs", 1))[0].ticked == (1,)  # type: ignore[union-attr]
    outputs = interpreter.answer(state, ChecklistDone("docs"))
    assert isinstance(outputs[0], Question) and outputs[0].step == "help"
    assert interpreter.position(state) == (3, 3)
    outputs = interpreter.answer(state, Picked("help", 1))
    assert outputs == [
        Say("Wilma is the school's message system."),
        Say("That was Wilma."),
        FollowUpRequested("Did you find the documents?", timedelta(days=3), "main", "remind"),
        Finished("You are ready."),
    ]
    assert state.finished and state.current.answers["documents"] == [1]
    assert interpreter.answer(state, Picked("help", 0)) == [NotNow()]


def test_young_child_and_handoff_ends_the_flow(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("main")
    outputs = interpreter.answer(state, Typed("4"))
    assert outputs[0] == Say("Early childhood education.")
    interpreter.answer(state, ChecklistDone("docs"))
    outputs = interpreter.answer(state, Picked("help", 0))
    assert outputs[0] == Say("Someone will write to you.")
    assert isinstance(outputs[1], HandoffRequested) and outputs[1].answers["child_age"] == 4
    assert outputs[2] == Finished(None)


def test_old_buttons_and_back(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("main")
    interpreter.answer(state, Typed("10"))
    outputs = interpreter.answer(state, Picked("help", 0))
    assert outputs[0] == NotNow() and isinstance(outputs[1], Question) and outputs[1].step == "docs"
    outputs = interpreter.answer(state, Back())
    assert outputs == [Question("age", "How old is your child?", "input")]
    outputs = interpreter.answer(state, Back())
    assert outputs[0] == NotNow(), "nothing before the first question"


def test_state_survives_json_and_shows_where_we_were(interpreter: Interpreter) -> None:
    state, _ = interpreter.start("main")
    interpreter.answer(state, Typed("10"))
    restored = FlowState.from_json(state.to_json())
    assert restored == state
    assert interpreter.show(restored)[0].step == "docs"  # type: ignore[union-attr]


def test_a_loop_without_questions_is_stopped(tmp_path: Path) -> None:
    loop = textwrap.dedent(
        """\
        id: loop
        version: 1
        title: Loop
        audience: all
        sources: [https://example.org/x]
        start: a
        steps:
          a:
            goto: b
          b:
            goto: a
        """
    )
    (tmp_path / "loop.yaml").write_text(loop, encoding="utf-8")
    flows, _ = check_files([tmp_path / "loop.yaml"])
    with pytest.raises(FlowError):
        Interpreter({"loop": flows["loop"].flow}).start("loop")


def test_a_state_read_from_json_never_changes_the_stored_json() -> None:
    """The database only sees a changed JSON value: answering must not edit it in place."""
    stored = {"stack": [{"flow_id": "f", "version": 1, "step": "a", "answers": {}, "history": []}]}
    state = FlowState.from_json(stored)
    state.current.answers["documents"] = [1]
    state.current.history.append("a")
    assert stored["stack"][0] == {
        "flow_id": "f",
        "version": 1,
        "step": "a",
        "answers": {},
        "history": [],
    }
    assert state.to_json() != stored


def test_a_question_seen_again_counts_once_in_step_n_of_m(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(
        textwrap.dedent(
            """\
            id: loop
            version: 1
            title: Loop
            audience: parent
            sources: [https://example.org/source]
            start: topic
            steps:
              topic:
                ask: Which topic?
                choices:
                  - {label: A, next: more}
                  - {label: Enough, next: done}
              more:
                ask: Another topic?
                choices:
                  - {label: "Yes", next: topic}
                  - {label: "No", next: done}
              done:
                end: Bye.
            """
        ),
        encoding="utf-8",
    )
    flows, problems = check_files([tmp_path / "loop.yaml"])
    assert problems == []
    interpreter = Interpreter({"loop": flows["loop"].flow})
    state, _ = interpreter.start("loop")
    for _ in range(3):
        interpreter.answer(state, Picked("topic", 0))
        assert interpreter.position(state) == (2, 2)
        interpreter.answer(state, Picked("more", 0))
        assert interpreter.position(state) == (2, 2)  # topic again: 2 questions seen, not 3+


def test_definitions_survive_the_database_round_trip(interpreter: Interpreter) -> None:
    from bot.domain.flows.model import Flow

    for flow in interpreter.flows.values():
        again = Flow.model_validate(flow.definition())
        assert again == flow and again.digest == flow.digest


def test_a_conversation_goes_on_with_the_definition_it_started_on(
    interpreter: Interpreter, tmp_path: Path
) -> None:
    state, _ = interpreter.start("main")
    interpreter.answer(state, Typed("4"))  # now at the checklist "docs"
    old = interpreter.flows["main"]
    edited_text = MAIN.replace("docs", "papers").replace("version: 3", "version: 4")
    (tmp_path / "main.yaml").write_text(edited_text, encoding="utf-8")
    flows, problems = check_files([tmp_path / "main.yaml", tmp_path / "wilma.yaml"])
    assert problems == []
    current = {flow_id: loaded.flow for flow_id, loaded in flows.items()}
    assert "docs" not in current["main"].steps and current["main"].digest != old.digest

    with pytest.raises(FlowError):  # without the kept definition, "docs" is gone
        Interpreter(current, interpreter.profile).answer(
            FlowState.from_json(state.to_json()), ChecklistDone("docs")
        )
    later = Interpreter(current, interpreter.profile, pinned={old.digest: old})
    assert later.flow_of(state.current) is old
    outputs = later.answer(state, ChecklistDone("docs"))
    assert isinstance(outputs[0], Question) and outputs[0].step == "help"
    fresh, _ = later.start("main")
    assert fresh.current.digest == current["main"].digest


SIGNUP = """\
id: signup
version: 1
title: Sign up
audience: buddy
sources: [https://example.org/source]
start: area
steps:
  area:
    ask: Where do you live?
    input: {type: text, max_length: 60}
    save: area
    next: store
  store:
    submit: buddy_signup
    say: Thank you!
    next: bye
  bye:
    end: See you.
"""


def test_submit_hands_the_answers_to_its_form_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "signup.yaml").write_text(SIGNUP, encoding="utf-8")
    flows, problems = check_files([tmp_path / "signup.yaml"])
    assert problems == []
    machine = Interpreter({flow_id: item.flow for flow_id, item in flows.items()})
    state, _ = machine.start("signup")
    outputs = machine.answer(state, Typed("Petonen"))
    assert outputs[0] == Say("Thank you!")
    assert outputs[1] == Submitted("buddy_signup", "signup", "store", {"area": "Petonen"})
    assert outputs[2] == Finished("See you.")


def test_an_unknown_form_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "signup.yaml").write_text(
        SIGNUP.replace("submit: buddy_signup", "submit: buddy_sigup"), encoding="utf-8"
    )
    _flows, problems = check_files([tmp_path / "signup.yaml"])
    assert len(problems) == 1
    assert problems[0].line == 14 and "unknown form 'buddy_sigup'" in str(problems[0])


TOPICS = """\
id: topics
version: 1
title: Topics
audience: buddy
sources: [https://example.org/source]
start: topics
steps:
  topics:
    say: What could you help with?
    checklist: [School, Homework, Work]
    values: [school, homework, work]
    save: topics
    next: bye
  bye:
    end: Thanks.
"""


def test_a_checklist_with_values_saves_the_ticked_values(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    flows, problems = check_files([tmp_path / "topics.yaml"])
    assert problems == []
    machine = Interpreter({flow_id: item.flow for flow_id, item in flows.items()})
    state, _ = machine.start("topics")
    machine.answer(state, Ticked("topics", 2))
    machine.answer(state, Ticked("topics", 0))
    machine.answer(state, Ticked("topics", 2))
    machine.answer(state, Ticked("topics", 1))
    assert state.current.answers["topics"] == ["school", "homework"]
    outputs = machine.answer(state, ChecklistDone("topics"))
    assert outputs[-1] == Finished("Thanks.")

    untouched, _ = machine.start("topics")
    machine.answer(untouched, ChecklistDone("topics"))
    assert untouched.stack == [] or untouched.finished


def test_checklist_values_must_fit_the_items(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(
        TOPICS.replace("values: [school, homework, work]", "values: [school, school]"),
        encoding="utf-8",
    )
    _flows, problems = check_files([tmp_path / "topics.yaml"])
    assert problems and "one value per checklist item" in str(problems[0])

"""Flow tests: short YAML conversation scripts (the parent presses, types; the bot must say ...).

Content editors write them next to the flows, in flows/tests/, in the language they think in:

    flow: school-enrolment
    language: en                 # the language the script is written in (default en)
    cases:
      - name: a child under 6, the parent asks for a person
        talk:
          - bot: How old is your child?
          - press: Under 6
          - bot: right to early childhood education
          - press: Yes, please
          - handoff: community_instructor
          - end

A script runs in any language: each `bot:` text is found among the flow's texts (in the
script's language), and the bot must say that text's translation in the language of the run;
each `press:` finds its button the same way. `silta flows test` and pytest run the scripts
against the interpreter, and the runner records which steps, choices and branches were walked,
so a flow's tests can be shown to cover every branch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.domain.flows.interpreter import FlowError, Interpreter
from bot.domain.flows.loader import Problem, load_tree, position, validate_tree
from bot.domain.flows.model import Flow
from bot.domain.flows.runtime import (
    Answer,
    Back,
    ChecklistDone,
    Finished,
    FlowState,
    FollowUpRequested,
    HandoffRequested,
    NotNow,
    Output,
    Picked,
    Question,
    Retry,
    Say,
    Submitted,
    Ticked,
    Typed,
)
from bot.domain.flows.steps.branch import Branch
from bot.domain.flows.steps.call import Call
from bot.domain.flows.steps.choice import Ask
from bot.domain.flows.steps.followup import parse_duration

# What the bot says when a typed answer is not valid and the flow has no words of its own
# (the same text the Telegram adapter sends, so it is in the catalogs).
DEFAULT_RETRY = "I could not read that. Please try again."

Translate = Callable[[str, str], str]  # (source text, language) -> the text in that language
_FLAGS = {"end": "end", "back": "back", "retry": "retry", "done": "done", "come back": "come_back"}


class Line(BaseModel):
    """One line of a conversation: exactly one of the fields below."""

    model_config = ConfigDict(extra="forbid")

    bot: str | None = Field(None, description="The bot says a message containing this text.")
    buttons: list[str] | None = Field(None, description="The question offers these buttons.")
    press: str | None = Field(None, description="Press the button with this label.")
    tick: str | None = Field(None, description="Tick (or untick) this checklist item.")
    done: bool | None = Field(None, description="Press Done under a checklist.")
    type: str | dict[str, str] | None = Field(
        None, description="Type this text (or one per language code, with 'default')."
    )
    back: bool | None = Field(None, description="Press Back.")
    retry: bool | None = Field(None, description="The bot could not read the answer: re-asks.")
    handoff: str | None = Field(None, description="A request for a person on this topic.")
    submitted: str | None = Field(None, description="The answers were handed to this form.")
    reminder: str | None = Field(None, description="A follow-up is scheduled after, e.g. 3 days.")
    step: str | None = Field(None, description="The question waiting now is this step.")
    saved: dict[str, Any] | None = Field(None, description="These answers are saved.")
    end: bool | None = Field(None, description="The flow has ended.")
    come_back: bool | None = Field(
        None, description="Leave and come back later: the current question is shown again."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_word(cls, value: Any) -> Any:
        """`- end`, `- back`, `- retry`, `- done` and `- come back` need no value."""
        if isinstance(value, str) and value in _FLAGS:
            return {_FLAGS[value]: True}
        return value

    @model_validator(mode="after")
    def _one_thing(self) -> Line:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each line does one thing: bot, press, type, tick, end, ...")
        return self

    @property
    def what(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    profile: dict[str, Any] = Field(default_factory=dict)
    talk: list[Line] = Field(min_length=1)


class Script(BaseModel):
    """A flows/tests/*.yaml file: the flow it tests and its conversations."""

    model_config = ConfigDict(extra="forbid")

    flow: str
    language: str = "en"
    cases: list[Case] = Field(min_length=1)


@dataclass
class LoadedScript:
    script: Script
    path: Path
    tree: Any

    def problem(self, case: int, line: int | None, message: str) -> Problem:
        where: tuple[str | int, ...] = (
            ("cases", case) if line is None else ("cases", case, "talk", line)
        )
        row, column = position(self.tree, where)
        return Problem(str(self.path), row, column, message)


def load_script(path: Path) -> tuple[LoadedScript | None, list[Problem]]:
    tree, problems = load_tree(path)
    if tree is None:
        return None, problems
    script, problems = validate_tree(tree, path, Script)
    if script is None:
        return None, problems
    return LoadedScript(script, path, tree), []


# ---- coverage ---------------------------------------------------------------------------------
Item = tuple[str, ...]  # ("step", id) / ("choice", id, label) / ("branch", id, target)


def coverage_items(flow: Flow) -> set[Item]:
    """What tests must walk to cover a flow: every step, every choice, every branch way."""
    items: set[Item] = set()
    for step_id, step in flow.steps.items():
        items.add(("step", step_id))
        if isinstance(step, Ask):
            items |= {("choice", step_id, choice.label) for choice in step.choices}
        if isinstance(step, Branch):
            items |= {("branch", step_id, target) for _, target in step.targets()}
    return items


def describe(item: Item) -> str:
    kind, step_id, *rest = item
    if kind == "step":
        return f"step {step_id!r} never reached"
    if kind == "choice":
        return f"choice {rest[0]!r} of step {step_id!r} never pressed"
    return f"branch of step {step_id!r} to {rest[0]!r} never taken"


@dataclass
class Report:
    """What running scripts found: failures, and what each flow's conversations walked."""

    failures: list[Problem] = field(default_factory=list)
    cases: int = 0
    reached: dict[str, set[Item]] = field(default_factory=dict)

    def missed(self, flows: Mapping[str, Flow]) -> dict[str, list[str]]:
        """Per flow, what no conversation walked (flows without any test included)."""
        return {
            flow_id: [
                describe(item)
                for item in sorted(coverage_items(flow) - self.reached.get(flow_id, set()))
            ]
            for flow_id, flow in sorted(flows.items())
            if coverage_items(flow) - self.reached.get(flow_id, set())
        }


# ---- running ------------------------------------------------------------------------------------
class Mismatch(Exception):
    """A line of the script did not hold."""


@dataclass
class _Said:
    text: str
    output: Output


class _Conversation:
    """One case being played against the interpreter, rendered in the run's language."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        flow_id: str,
        profile: dict[str, Any],
        translate: Translate,
        written_in: str,
        language: str,
    ) -> None:
        self.flows = flows
        self.translate = translate
        self.written_in = written_in
        self.language = language
        self.interpreter = Interpreter(flows, {"language": language, "role": "parent", **profile})
        self.state: FlowState
        self.state, outputs = self.interpreter.start(flow_id)
        self.pending: list[Output] = list(outputs)
        self.picked: list[Item] = []
        self.texts = texts_of(flows, flow_id)

    # -- what the person sees
    def _shown(self, output: Output) -> str | None:
        if isinstance(output, Say | Question):
            return self.translate(output.text, self.language) if output.text else None
        if isinstance(output, Retry):
            return self.translate(output.text or DEFAULT_RETRY, self.language)
        if isinstance(output, Finished) and output.text:
            return self.translate(output.text, self.language)
        return None

    def _source(self, needle: str, candidates: Iterable[str], what: str) -> str:
        return find_source(needle, candidates, self.translate, self.written_in, what)

    def _question(self) -> Question:
        if self.state.finished:
            raise Mismatch("the conversation has ended: there is no question to answer")
        for output in self.interpreter.show(self.state):
            if isinstance(output, Question):
                return output
        raise Mismatch("no question is waiting")

    def _answer(self, answer: Answer) -> None:
        try:
            outputs = self.interpreter.answer(self.state, answer)
        except FlowError as error:
            raise Mismatch(f"the flow failed: {error}") from error
        if any(isinstance(output, NotNow) for output in outputs):
            raise Mismatch("the bot did not take this answer")
        self.pending = list(outputs)

    # -- lines
    def play(self, line: Line) -> None:
        getattr(self, "_" + line.what)(getattr(line, line.what))

    def _bot(self, needle: str) -> None:
        source = self._source(needle, self.texts, "flow text")
        expected = plain(self.translate(source, self.language))
        for index, output in enumerate(self.pending):
            shown = self._shown(output)
            if shown is not None and expected in plain(shown):
                del self.pending[: index + 1]
                return
        said = [text for text in map(self._shown, self.pending) if text]
        raise Mismatch(f"the bot did not say {source[:60]!r}; it said: {said or 'nothing more'}")

    def _buttons(self, labels: list[str]) -> None:
        question = self._question()
        wanted = [self._source(label, question.options, "button") for label in labels]
        if wanted != list(question.options):
            shown = [self.translate(option, self.language) for option in question.options]
            raise Mismatch(f"the buttons are {shown}")

    def _press(self, label: str) -> None:
        question = self._question()
        if question.mode != "choices":
            raise Mismatch(f"step {question.step!r} has no choice buttons ({question.mode})")
        index = question.options.index(self._source(label, question.options, "button"))
        self.picked.append(("choice", question.step, question.options[index]))
        self._answer(Picked(question.step, index))

    def _tick(self, label: str) -> None:
        question = self._question()
        if question.mode != "checklist":
            raise Mismatch(f"step {question.step!r} is not a checklist")
        index = question.options.index(self._source(label, question.options, "checklist item"))
        self._answer(Ticked(question.step, index))

    def _done(self, _: bool) -> None:
        question = self._question()
        if question.mode != "checklist":
            raise Mismatch(f"step {question.step!r} is not a checklist")
        self._answer(ChecklistDone(question.step))

    def _type(self, text: str | dict[str, str]) -> None:
        self._question()
        if isinstance(text, dict):
            chosen = text.get(self.language, text.get("default"))
            if chosen is None:
                raise Mismatch(f"no text to type in {self.language!r} (add it, or 'default')")
            text = chosen
        self._answer(Typed(text))

    def _back(self, _: bool) -> None:
        self._answer(Back())

    def _come_back(self, _: bool) -> None:
        if self.state.finished:
            raise Mismatch("the conversation has ended: there is nothing to come back to")
        self.pending = self.interpreter.show(self.state)

    def _retry(self, _: bool) -> None:
        if not any(isinstance(output, Retry) for output in self.pending):
            raise Mismatch("the bot did not ask again")

    def _handoff(self, topic: str) -> None:
        topics = [o.topic for o in self.pending if isinstance(o, HandoffRequested)]
        if topic not in topics:
            raise Mismatch(f"no request for a person on {topic!r} (requests: {topics or 'none'})")

    def _submitted(self, form: str) -> None:
        forms = [o.form for o in self.pending if isinstance(o, Submitted)]
        if form not in forms:
            raise Mismatch(f"nothing submitted to {form!r} (submitted: {forms or 'none'})")

    def _reminder(self, after: str) -> None:
        try:
            delay = parse_duration(after)
        except ValueError as error:
            raise Mismatch(str(error)) from error
        delays = [o.after for o in self.pending if isinstance(o, FollowUpRequested)]
        if delay not in delays:
            raise Mismatch(f"no reminder after {after} (reminders: {[str(d) for d in delays]})")

    def _step(self, step_id: str) -> None:
        if self.state.finished or self.state.current.step != step_id:
            now = "the end" if self.state.finished else repr(self.state.current.step)
            raise Mismatch(f"the conversation is at {now}, not at {step_id!r}")

    def _saved(self, expected: dict[str, Any]) -> None:
        answers = self.state.current.answers
        wrong = {k: answers.get(k) for k, v in expected.items() if answers.get(k) != v}
        if wrong:
            raise Mismatch(f"saved answers differ: {wrong}")

    def _end(self, _: bool) -> None:
        if not self.state.finished:
            raise Mismatch(
                f"the conversation has not ended: it waits at {self.state.current.step!r}"
            )

    # -- coverage
    def reached(self) -> dict[str, set[Item]]:
        found: dict[str, set[Item]] = {}
        trace = self.interpreter.trace
        for flow_id, step_id in trace:
            found.setdefault(flow_id, set()).add(("step", step_id))
        for (flow_id, step_id), (next_flow, next_step) in itertools.pairwise(trace):
            step = self.flows[flow_id].steps.get(step_id)
            if flow_id == next_flow and isinstance(step, Branch):
                found[flow_id].add(("branch", step_id, next_step))
        for kind, step_id, label in self.picked:
            for flow_id, flow in self.flows.items():
                if step_id in flow.steps:
                    found.setdefault(flow_id, set()).add((kind, step_id, label))
        return found


def find_source(
    needle: str, candidates: Iterable[str], translate: Translate, written_in: str, what: str
) -> str:
    """The source text a script means: the one whose text (in the script's language) equals
    `needle`, else the only one containing it; raises Mismatch when none or several fit."""
    wanted = plain(needle)
    written = {text: plain(translate(text, written_in)) for text in candidates}
    exact = [text for text, shown in written.items() if shown == wanted]
    if len(exact) == 1:
        return exact[0]
    found = sorted({text for text, shown in written.items() if wanted in shown})
    if len(found) == 1:
        return found[0]
    if not found:
        raise Mismatch(f"no {what} is {needle!r} or contains it")
    listed = "; ".join(repr(text[:40]) for text in found[:3])
    raise Mismatch(f"{needle!r} fits several {what}s ({listed}): write more of it")


def texts_of(flows: Mapping[str, Flow], flow_id: str) -> list[str]:
    """Every text a flow (and the flows it calls) can show, plus the default re-ask."""
    return sorted(
        {
            text
            for flow in with_called(flows, flow_id)
            for step in flow.steps.values()
            for _, text, _ in step.texts()
        }
        | {DEFAULT_RETRY}
    )


def with_called(flows: Mapping[str, Flow], flow_id: str) -> list[Flow]:
    """The flow and every flow it calls, directly or through others: what it can say."""
    found: dict[str, Flow] = {}
    waiting = [flow_id]
    while waiting:
        current = flows.get(waiting.pop())
        if current is None or current.id in found:
            continue
        found[current.id] = current
        waiting += [step.call for step in current.steps.values() if isinstance(step, Call)]
    return list(found.values())


def plain(text: str) -> str:
    """Compare texts as a reader would: spacing, case and direction marks do not matter."""
    for mark in ("\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"):
        text = text.replace(mark, "")
    return " ".join(text.split()).casefold()


def run_script(
    loaded: LoadedScript,
    flows: Mapping[str, Flow],
    translate: Translate,
    language: str | None = None,
    report: Report | None = None,
) -> Report:
    """Play every case of a script in `language` (default: the script's own language)."""
    report = report or Report()
    script = loaded.script
    language = language or script.language
    if script.flow not in flows:
        report.failures.append(
            loaded.problem(0, None, f"flow {script.flow!r} is not loaded (missing or broken)")
        )
        return report
    for case_index, case in enumerate(script.cases):
        report.cases += 1
        try:
            conversation = _Conversation(
                flows, script.flow, case.profile, translate, script.language, language
            )
        except FlowError as error:
            report.failures.append(loaded.problem(case_index, None, f"cannot start: {error}"))
            continue
        for line_index, line in enumerate(case.talk):
            try:
                conversation.play(line)
            except Mismatch as mismatch:
                report.failures.append(
                    loaded.problem(
                        case_index, line_index, f"[{language}] {case.name}: {line.what}: {mismatch}"
                    )
                )
                break
        for flow_id, items in conversation.reached().items():
            report.reached.setdefault(flow_id, set()).update(items)
    return report


def run_scripts(
    paths: Iterable[Path],
    flows: Mapping[str, Flow],
    translate: Translate,
    languages: list[str] | None = None,
) -> Report:
    """Load and play every script, in each of `languages` (None: each script's own)."""
    report = Report()
    for path in sorted(paths):
        loaded, problems = load_script(path)
        report.failures += problems
        if loaded is None:
            continue
        for language in languages or [loaded.script.language]:
            run_script(loaded, flows, translate, language, report)
    return report

"""Run flows: enter steps until one asks something, then wait for the answer.

The interpreter knows step kinds only through their `run` and `answer` methods, and no content
at all. It changes the FlowState it is given; the caller persists it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.flows.model import Flow
from bot.domain.flows.runtime import Answer, Back, Finished, FlowState, Frame, NotNow, Output, Say
from bot.domain.flows.steps.base import Context, Step

MAX_HOPS = 200  # steps entered without a question in between; more means a loop


class FlowError(RuntimeError):
    """The flow cannot go on (a loop without questions, or a flow that is gone)."""


class Interpreter:
    """Runs the given flows (by id) for one user's profile."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        profile: Mapping[str, Any] | None = None,
        pinned: Mapping[str, Flow] | None = None,
    ) -> None:
        self.flows = flows
        self.profile = dict(profile or {})
        # Earlier definitions by digest: a conversation goes on with the one it started on.
        self.pinned = pinned or {}
        # (flow id, step id) of every step entered, in order: flow tests measure coverage with it.
        self.trace: list[tuple[str, str]] = []

    def start(self, flow_id: str) -> tuple[FlowState, list[Output]]:
        """Begin a flow from its start step."""
        flow = self._flow(flow_id)
        state = FlowState(stack=[Frame(flow.id, flow.version, flow.start, digest=flow.digest)])
        outputs: list[Output] = []
        self._advance(state, outputs)
        return state, outputs

    def show(self, state: FlowState) -> list[Output]:
        """Show the current question again (coming back later, or after an old button)."""
        if state.finished:
            return []
        frame = state.current
        move = self._step(frame).run(self._context(frame))
        return list(move.outputs) if move.wait else []

    def answer(self, state: FlowState, answer: Answer) -> list[Output]:
        """Apply an answer; an answer to another question is refused and the current one shown."""
        if state.finished:
            return [NotNow()]
        frame = state.current
        if isinstance(answer, Back):
            if not frame.history:
                return [NotNow(), *self.show(state)]
            frame.step = frame.history.pop()
            return self.show(state)
        move = self._step(frame).answer(self._context(frame), answer)
        if move is None:
            return [NotNow(), *self.show(state)]
        outputs: list[Output] = list(move.outputs)
        if move.wait:
            return outputs
        frame.history.append(frame.step)
        self.trace.append((frame.flow_id, frame.step))
        if move.next is None:
            raise FlowError(f"{frame.flow_id}: step {frame.step!r} has nowhere to go")
        frame.step = move.next
        self._advance(state, outputs)
        return outputs

    def position(self, state: FlowState) -> tuple[int, int]:
        """(question number, questions on the longest way through) for 'Step 3 of 7'.

        Questions seen again (a topic menu one comes back to) count once."""
        frame = state.current
        flow = self.flow_of(frame)
        number = len(set(frame.history) - {frame.step}) + 1
        return number, max(number, _longest_questions(flow))

    # ---- inside -------------------------------------------------------------------------------
    def _flow(self, flow_id: str) -> Flow:
        flow = self.flows.get(flow_id)
        if flow is None:
            raise FlowError(f"flow {flow_id!r} is not available")
        return flow

    def flow_of(self, frame: Frame) -> Flow:
        """The definition a frame runs on: the one it started on, if it was edited since."""
        current = self.flows.get(frame.flow_id)
        if frame.digest and (current is None or current.digest != frame.digest):
            earlier = self.pinned.get(frame.digest)
            if earlier is not None:
                return earlier
        if current is None:
            raise FlowError(f"flow {frame.flow_id!r} is not available")
        return current

    def _step(self, frame: Frame) -> Step:
        flow = self.flow_of(frame)
        step = flow.steps.get(frame.step)
        if step is None:
            raise FlowError(f"{frame.flow_id}: no step {frame.step!r}")
        return step

    def _context(self, frame: Frame) -> Context:
        return Context(frame.flow_id, frame.step, frame.answers, self.profile, bool(frame.history))

    def _advance(self, state: FlowState, outputs: list[Output]) -> None:
        """Enter steps until one waits for an answer or the outermost flow ends."""
        for _ in range(MAX_HOPS):
            frame = state.current
            self.trace.append((frame.flow_id, frame.step))
            move = self._step(frame).run(self._context(frame))
            outputs.extend(move.outputs)
            if move.wait:
                return
            if move.call is not None:
                if move.next is None:
                    raise FlowError(f"{frame.flow_id}: call in {frame.step!r} has no next")
                frame.step = move.next
                called = self._flow(move.call)
                state.stack.append(
                    Frame(called.id, called.version, called.start, digest=called.digest)
                )
                continue
            if move.end:
                state.stack.pop()
                if not state.stack:
                    state.stack.append(frame)
                    state.finished = True
                    outputs.append(Finished(move.end_text))
                    return
                if move.end_text:
                    outputs.append(Say(move.end_text))
                continue
            if move.next is None:
                raise FlowError(f"{frame.flow_id}: step {frame.step!r} has nowhere to go")
            frame.step = move.next
        raise FlowError(f"{state.current.flow_id}: {MAX_HOPS} steps without a question (a loop?)")


def _longest_questions(flow: Flow) -> int:
    """Most questions on one way from start to an end, counting each step once (loops cut)."""
    best: dict[str, int] = {}

    def walk(step_id: str, seen: frozenset[str]) -> int:
        if step_id in seen or step_id not in flow.steps:
            return 0
        if step_id in best:
            return best[step_id]
        step = flow.steps[step_id]
        own = 1 if step.kind in ("ask", "input", "checklist") else 0
        onward = max((walk(target, seen | {step_id}) for _, target in step.targets()), default=0)
        best[step_id] = own + onward
        return best[step_id]

    return walk(flow.start, frozenset())

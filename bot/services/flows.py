"""Use cases of guided conversations: the library of flows, starting, answering, resuming.

Flow sessions live in the database, so a parent can leave and come back days later, after
restarts and after editors changed the flow (a session continues while its step still exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FlowSession, FollowUp, HandoffRequest, User, utcnow
from bot.domain.flows.check import check_files
from bot.domain.flows.interpreter import FlowError, Interpreter
from bot.domain.flows.model import Flow
from bot.domain.flows.runtime import Answer, FlowState, FollowUpRequested, HandoffRequested, Output
from bot.domain.roles import Role

log = structlog.get_logger("silta.flows")


@dataclass
class FlowLibrary:
    """The flows that passed `silta flows check`; broken ones are refused and logged."""

    flows: dict[str, Flow]

    @classmethod
    def load(cls, folder: Path) -> FlowLibrary:
        loaded, problems = check_files(sorted(folder.glob("*.yaml")))
        for problem in problems:
            log.error("flow_refused", problem=str(problem))
        log.info("flows_loaded", flows=sorted(loaded), refused_problems=len(problems))
        return cls({flow_id: item.flow for flow_id, item in loaded.items()})

    def for_role(self, role: Role | None) -> list[Flow]:
        """Flows offered in the menu to this role, by title."""
        wanted = {"all", "buddy" if role is Role.BUDDY else "parent"}
        return sorted(
            (flow for flow in self.flows.values() if flow.audience in wanted), key=lambda f: f.title
        )


@dataclass
class Progress:
    """What a flow session shows now, and where the person is in it."""

    session: FlowSession
    outputs: list[Output]
    number: int
    total: int
    title: str


def _interpreter(library: FlowLibrary, user: User, role: Role | None) -> Interpreter:
    return Interpreter(
        library.flows, {"language": user.language, "role": role.value if role else None}
    )


async def active_session(session: AsyncSession, user: User) -> FlowSession | None:
    result = await session.execute(
        select(FlowSession)
        .where(FlowSession.user_id == user.id, FlowSession.status == "active")
        .order_by(FlowSession.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def running_session(
    session: AsyncSession, library: FlowLibrary, user: User
) -> FlowSession | None:
    """The user's session under way, if it can still go on with the flows loaded now."""
    record = await active_session(session, user)
    return record if record is not None and still_runs(library, record) else None


async def start(
    session: AsyncSession, library: FlowLibrary, user: User, role: Role | None, flow_id: str
) -> Progress:
    """Begin a flow from its start; a flow already under way is set aside."""
    interpreter = _interpreter(library, user, role)
    state, outputs = interpreter.start(flow_id)
    await session.execute(
        update(FlowSession)
        .where(FlowSession.user_id == user.id, FlowSession.status == "active")
        .values(status="replaced")
    )
    flow = library.flows[flow_id]
    record = FlowSession(
        user_id=user.id,
        flow_id=flow.id,
        flow_version=flow.version,
        step=state.current.step,
        state=state.to_json(),
        status="finished" if state.finished else "active",
    )
    session.add(record)
    await session.flush()
    await _record_effects(session, user, outputs)
    number, total = interpreter.position(state)
    return Progress(record, outputs, number, total, flow.title)


def still_runs(library: FlowLibrary, record: FlowSession) -> bool:
    """Whether a stored session can go on: its flows exist and its step is still there."""
    try:
        state = FlowState.from_json(record.state)
    except (KeyError, TypeError):
        return False
    for frame in state.stack:
        flow = library.flows.get(frame.flow_id)
        if flow is None or frame.step not in flow.steps:
            return False
    return True


async def resume(
    library: FlowLibrary, user: User, role: Role | None, record: FlowSession
) -> Progress:
    """The current question of a session again (after a pause, or an old button)."""
    interpreter = _interpreter(library, user, role)
    state = FlowState.from_json(record.state)
    outputs = interpreter.show(state)
    number, total = interpreter.position(state)
    return Progress(record, outputs, number, total, library.flows[record.flow_id].title)


async def answer(
    session: AsyncSession,
    library: FlowLibrary,
    user: User,
    role: Role | None,
    record: FlowSession,
    given: Answer,
) -> Progress:
    """Apply an answer, store the new state, and record hand-offs and follow-ups."""
    interpreter = _interpreter(library, user, role)
    state = FlowState.from_json(record.state)
    try:
        outputs = interpreter.answer(state, given)
    except FlowError as error:
        log.error("flow_failed", flow=record.flow_id, step=record.step, error=str(error))
        record.status = "failed"
        raise
    record.state = state.to_json()
    record.step = state.current.step
    record.status = "finished" if state.finished else "active"
    await _record_effects(session, user, outputs)
    number, total = interpreter.position(state)
    return Progress(record, outputs, number, total, library.flows[record.flow_id].title)


async def _record_effects(session: AsyncSession, user: User, outputs: list[Output]) -> None:
    for output in outputs:
        if isinstance(output, HandoffRequested):
            session.add(
                HandoffRequest(
                    user_id=user.id,
                    topic=output.topic,
                    flow_id=output.flow_id,
                    step=output.step,
                    context={"answers": output.answers},
                )
            )
        elif isinstance(output, FollowUpRequested):
            session.add(
                FollowUp(
                    user_id=user.id,
                    text=output.text,
                    due_at=utcnow() + output.after,
                    flow_id=output.flow_id,
                    step=output.step,
                )
            )

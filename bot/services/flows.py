"""Use cases of guided conversations: the library of flows, starting, answering, resuming.

Flow sessions live in the database, so a parent can leave and come back days later, after
restarts and after editors changed the flow: every definition a conversation starts on is kept
(flow_definitions, by digest), and the conversation finishes on it. A session from before
definitions were kept goes on while its step still exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import structlog
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FlowDefinition, FlowSession, FollowUp, HandoffRequest, User, utcnow
from bot.domain.flows.check import check_files
from bot.domain.flows.interpreter import FlowError, Interpreter
from bot.domain.flows.model import Flow
from bot.domain.flows.parse_cache import ParseCache
from bot.domain.flows.runtime import (
    Answer,
    FlowState,
    FollowUpRequested,
    HandoffRequested,
    Output,
    Submitted,
)
from bot.domain.roles import Role
from bot.services import forms

log = structlog.get_logger("silta.flows")


@dataclass
class FlowLibrary:
    """The flows that passed `silta flows check`; broken ones are refused and logged."""

    flows: dict[str, Flow]
    # Earlier definitions by digest, read from the database when a conversation needs one.
    earlier: dict[str, Flow] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, cache_dir: Path | None = None) -> FlowLibrary:
        """Load and check every flow in `folder`; with `cache_dir`, files parsed at an earlier
        start are not parsed again (bot/domain/flows/parse_cache.py)."""
        cache = ParseCache(cache_dir, folder) if cache_dir is not None else None
        loaded, problems = check_files(sorted(folder.glob("*.yaml")), cache)
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
        library.flows,
        {"language": user.language, "role": role.value if role else None},
        library.earlier,
    )


async def keep_definition(session: AsyncSession, flow: Flow) -> None:
    """Store the definition a conversation starts on, once per digest (a race between two
    processes is settled by the unique digest)."""
    found = await session.execute(
        select(FlowDefinition.id).where(FlowDefinition.digest == flow.digest)
    )
    if found.first() is None:
        await add_definition(session, flow)


async def add_definition(session: AsyncSession, flow: Flow) -> None:
    """Insert a definition in a savepoint: when another process got there first, the unique
    digest refuses this row and the rest of the transaction goes on."""
    try:
        async with session.begin_nested():
            session.add(
                FlowDefinition(
                    flow_id=flow.id,
                    version=flow.version,
                    digest=flow.digest,
                    definition=flow.definition(),
                )
            )
    except IntegrityError:
        log.info("flow_definition_kept_elsewhere", flow=flow.id, digest=flow.digest)


async def _load_earlier(session: AsyncSession, library: FlowLibrary, record: FlowSession) -> None:
    """Read the definitions a stored conversation runs on that the files no longer hold."""
    try:
        state = FlowState.from_json(record.state)
    except (KeyError, TypeError):
        return
    wanted = {
        frame.digest
        for frame in state.stack
        if frame.digest
        and frame.digest not in library.earlier
        and getattr(library.flows.get(frame.flow_id), "digest", None) != frame.digest
    }
    if not wanted:
        return
    rows = await session.execute(select(FlowDefinition).where(FlowDefinition.digest.in_(wanted)))
    for row in rows.scalars():
        try:
            library.earlier[row.digest] = Flow.model_validate(row.definition)
        except ValidationError as error:  # the flow format itself changed since
            log.warning(
                "flow_definition_unusable", flow=row.flow_id, digest=row.digest, error=str(error)
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
    if record is None:
        return None
    await _load_earlier(session, library, record)
    return record if still_runs(library, record) else None


async def start(
    session: AsyncSession,
    library: FlowLibrary,
    user: User,
    role: Role | None,
    flow_id: str,
    name: str = "",
) -> Progress:
    """Begin a flow from its start; a flow already under way is set aside. `name` (the first
    name Telegram gives) goes only into a request for a person, so the coordinator can greet."""
    interpreter = _interpreter(library, user, role)
    state, outputs = interpreter.start(flow_id)
    await session.execute(
        update(FlowSession)
        .where(FlowSession.user_id == user.id, FlowSession.status == "active")
        .values(status="replaced")
    )
    flow = library.flows[flow_id]
    await keep_definition(session, flow)
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
    await _record_effects(session, user, outputs, name)
    number, total = interpreter.position(state)
    return Progress(record, outputs, number, total, flow.title)


def still_runs(library: FlowLibrary, record: FlowSession) -> bool:
    """Whether a stored session can go on: the definition of each of its flows is at hand
    (the file's, or the one kept when it started) and has its step."""
    try:
        state = FlowState.from_json(record.state)
    except (KeyError, TypeError):
        return False
    interpreter = Interpreter(library.flows, pinned=library.earlier)
    for frame in state.stack:
        try:
            flow = interpreter.flow_of(frame)
        except FlowError:
            return False
        if frame.step not in flow.steps:
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
    return Progress(record, outputs, number, total, interpreter.flow_of(state.stack[0]).title)


async def answer(
    session: AsyncSession,
    library: FlowLibrary,
    user: User,
    role: Role | None,
    record: FlowSession,
    given: Answer,
    name: str = "",
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
    await _record_effects(session, user, outputs, name)
    number, total = interpreter.position(state)
    return Progress(record, outputs, number, total, interpreter.flow_of(state.stack[0]).title)


async def _record_effects(
    session: AsyncSession, user: User, outputs: list[Output], name: str = ""
) -> None:
    for output in outputs:
        if isinstance(output, HandoffRequested):
            session.add(
                HandoffRequest(
                    user_id=user.id,
                    topic=output.topic,
                    flow_id=output.flow_id,
                    step=output.step,
                    context={"answers": output.answers, "name": name[:64]},
                )
            )
        elif isinstance(output, Submitted):
            await forms.submit(session, user, output, name)
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

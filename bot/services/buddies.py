"""The buddy programme's use cases: a volunteer's sign-up and training (from their flows), a
coordinator's approval, a family's request, the batch matching into proposals, and a
coordinator's decision on a proposal.

The flows hand their answers here through `submit` steps (services/forms.py); the matching
itself is pure domain (bot/domain/buddies/matching.py). Nobody is told about a proposal: only
an approved match is announced to both sides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    HandoffRequest,
    SurveyAnswer,
    User,
    utcnow,
)
from bot.delivery.outbox import Planned, enqueue
from bot.domain.buddies import matching
from bot.domain.buddies.rhythm import DEFAULT_RHYTHM, Rhythm
from bot.domain.flows.runtime import Submitted
from bot.services import buddy_matches
from bot.services.forms import form

# A volunteer's "speaks well" counts as fluent, "a little" as good (enough to talk); a family's
# languages count as fluent, and the language they chose for the bot as native.
WELL, SOME = "fluent", "good"
# The sign-up's coarse availability, as the matching's day-part slots.
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
AVAILABILITY_SLOTS: dict[str, tuple[str, ...]] = {
    "weekday_morning": tuple(f"{day}_morning" for day in _WEEKDAYS),
    "weekday_afternoon": tuple(f"{day}_afternoon" for day in _WEEKDAYS),
    "weekday_evening": tuple(f"{day}_evening" for day in _WEEKDAYS),
    "weekend": tuple(
        f"{day}_{part}" for day in ("sat", "sun") for part in ("morning", "afternoon", "evening")
    ),
}
FIRST_CHECKIN = timedelta(days=7)
ACTIVE = ("proposed", "active")  # matches that take one of a buddy's places


async def _tell_coordinators(
    session: AsyncSession, user: User, topic: str, submitted: Submitted, name: str
) -> None:
    """Put an item in the coordinators' inbox (they approve volunteers and match families);
    a waiting item of the same person and topic is brought up to date instead."""
    answers = {k: v for k, v in submitted.answers.items() if not k.startswith("_")}
    context = {"answers": answers, "name": name.strip()[:64]}
    found = await session.execute(
        select(HandoffRequest).where(
            HandoffRequest.user_id == user.id,
            HandoffRequest.topic == topic,
            HandoffRequest.status.in_(("open", "taken")),
        )
    )
    waiting = found.scalars().first()
    if waiting is not None:
        waiting.context = {**waiting.context, **context}
        return
    session.add(
        HandoffRequest(
            user_id=user.id,
            topic=topic,
            flow_id=submitted.flow_id,
            step=submitted.step,
            context=context,
        )
    )


def _codes(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def slots(choices: Iterable[str]) -> list[str]:
    return sorted({slot for choice in choices for slot in AVAILABILITY_SLOTS.get(choice, ())})


async def profile_of(session: AsyncSession, user: User) -> BuddyProfile | None:
    found = await session.execute(select(BuddyProfile).where(BuddyProfile.user_id == user.id))
    return found.scalar_one_or_none()


@form("buddy_signup")
async def sign_up(session: AsyncSession, user: User, submitted: Submitted, name: str) -> None:
    """Store (or update) a volunteer's profile from the buddy-signup flow."""
    answers = submitted.answers
    languages = {code: SOME for code in _codes(answers.get("speaks_some"))}
    languages.update({code: WELL for code in _codes(answers.get("speaks_well"))})
    supports = str(answers.get("supports") or "family")
    profile = await profile_of(session, user)
    if profile is None:
        profile = BuddyProfile(user_id=user.id, status="training")
        session.add(profile)
    profile.name = name.strip()[:64] or profile.name
    profile.languages = languages
    profile.area = str(answers.get("area") or "").strip()[:64] or None
    profile.kinds = ["family", "pupil"] if supports == "both" else [supports]
    profile.age_bands = _codes(answers.get("age_bands"))
    profile.topics = _codes(answers.get("topics"))
    profile.availability = slots(_codes(answers.get("availability")))
    profile.capacity = max(1, min(5, int(str(answers.get("capacity") or 1))))
    gender = str(answers.get("gender") or "")
    profile.gender = gender if gender in ("female", "male") else None
    profile.alone_with_children = answers.get("alone_with_children") == "yes"
    await session.flush()


@form("buddy_training")
async def finish_training(
    session: AsyncSession, user: User, submitted: Submitted, name: str
) -> None:
    """The training flow ended: the volunteer now waits for a coordinator's approval, and
    the coordinators' inbox says so."""
    profile = await profile_of(session, user)
    if profile is None:
        profile = BuddyProfile(user_id=user.id, status="training")
        session.add(profile)
    profile.trained_at = profile.trained_at or utcnow()
    if profile.status == "training":
        profile.status = "ready"
        await _tell_coordinators(session, user, "buddy_approval", submitted, name)
    await session.flush()


@form("buddy_request")
async def ask_for_buddy(session: AsyncSession, user: User, submitted: Submitted, name: str) -> None:
    """Store a family's request (a waiting one is updated rather than doubled); the
    coordinators' inbox shows it with the answers."""
    answers = submitted.answers
    found = await session.execute(
        select(BuddyRequest).where(
            BuddyRequest.user_id == user.id, BuddyRequest.status.in_(("waiting", "proposed"))
        )
    )
    request = found.scalar_one_or_none()
    if request is None:
        request = BuddyRequest(user_id=user.id, status="waiting")
        session.add(request)
    request.name = name.strip()[:64] or request.name
    preference = str(answers.get("gender_preference") or "any")
    request.languages = _codes(answers.get("languages"))
    request.area = str(answers.get("area") or "").strip()[:64] or None
    request.age_bands = _codes(answers.get("children_ages"))
    request.topics = _codes(answers.get("needs"))
    request.availability = slots(_codes(answers.get("availability")))
    request.gender_preference = preference if preference in ("female", "male") else None
    request.gender_required = bool(request.gender_preference) and (
        answers.get("gender_required") == "yes"
    )
    await _tell_coordinators(session, user, "buddy_request", submitted, name)
    await session.flush()


@form("closing_survey")
async def closing_survey(
    session: AsyncSession, user: User, submitted: Submitted, name: str
) -> None:
    """Keep a closing survey's answers with the person's latest ended match."""
    latest = await session.execute(
        select(BuddyMatch.id)
        .where(
            (BuddyMatch.buddy_id == user.id) | (BuddyMatch.family_id == user.id),
            BuddyMatch.status == "closed",
        )
        .order_by(BuddyMatch.ended_at.desc(), BuddyMatch.id.desc())
        .limit(1)
    )
    kept = {key: value for key, value in submitted.answers.items() if not key.startswith("_")}
    session.add(
        SurveyAnswer(
            user_id=user.id, match_id=latest.scalar_one_or_none(), kind="closing", answers=kept
        )
    )
    await session.flush()


class NotApprovable(ValueError):
    """Why a volunteer cannot be approved yet (no sign-up, the training, or the record
    check's date)."""


def approve(
    profile: BuddyProfile, coordinator: User, now: datetime, record_seen_on: date | None = None
) -> None:
    """A coordinator approves a trained volunteer. For a role alone with children the date a
    criminal-record extract was seen is required (and only the date is kept)."""
    if not profile.languages:
        raise NotApprovable("signup")  # the training was taken without signing up first
    if profile.trained_at is None:
        raise NotApprovable("training")
    if profile.alone_with_children and record_seen_on is None and profile.record_seen_on is None:
        raise NotApprovable("record")
    if record_seen_on is not None:
        profile.record_seen_on = record_seen_on
    profile.status = "approved"
    profile.approved_at = now
    profile.approved_by = coordinator.id


async def _settle_inbox(session: AsyncSession, user_id: int, topic: str, now: datetime) -> None:
    """The inbox item that asked coordinators to act on this person is done."""
    await session.execute(
        update(HandoffRequest)
        .where(
            HandoffRequest.user_id == user_id,
            HandoffRequest.topic == topic,
            HandoffRequest.status.in_(("open", "taken")),
        )
        .values(status="closed", closed_at=now)
        .execution_options(synchronize_session=False)
    )


async def approve_and_tell(
    session: AsyncSession,
    profile: BuddyProfile,
    coordinator: User,
    now: datetime,
    record_seen_on: date | None = None,
) -> None:
    """Approve (see `approve`) and let the volunteer know they can now be matched."""
    approve(profile, coordinator, now, record_seen_on)
    await _settle_inbox(session, profile.user_id, "buddy_approval", now)
    await enqueue(
        session,
        [
            Planned(
                key=f"buddy_approved:{profile.user_id}:{now.isoformat()}",
                purpose="buddy_approved",
                user_id=profile.user_id,
                payload={"kind": "buddy_approved"},
                not_before=now,
            )
        ],
    )


async def _loads(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(BuddyMatch.buddy_id, func.count())
        .where(BuddyMatch.status.in_(ACTIVE))
        .group_by(BuddyMatch.buddy_id)
    )
    return {buddy_id: int(count) for buddy_id, count in rows.all()}


def volunteer(profile: BuddyProfile, gender: str | None, load: int) -> matching.Volunteer:
    return matching.Volunteer(
        id=profile.user_id,
        languages=dict(profile.languages or {}),
        area=profile.area,
        age_bands=frozenset(profile.age_bands or ()),
        supports=frozenset(profile.kinds or ("family",)),
        topics=frozenset(profile.topics or ()),
        availability=frozenset(profile.availability or ()),
        capacity=profile.capacity,
        load=load,
        gender=gender,
        approved=profile.status == "approved",
    )


def family_request(request: BuddyRequest, family: User) -> matching.Request:
    languages = {code: WELL for code in request.languages or ()}
    languages[family.language] = "native"
    return matching.Request(
        id=request.id,
        languages=languages,
        area=request.area,
        age_bands=frozenset(request.age_bands or ()),
        topics=frozenset(request.topics or ()),
        availability=frozenset(request.availability or ()),
        gender_preference=request.gender_preference,
        gender_required=request.gender_required,
    )


async def pool(session: AsyncSession) -> list[matching.Volunteer]:
    """Every approved volunteer with their current load."""
    loads = await _loads(session)
    rows = await session.execute(
        select(BuddyProfile).where(BuddyProfile.status == "approved").order_by(BuddyProfile.id)
    )
    return [volunteer(p, p.gender, loads.get(p.user_id, 0)) for p in rows.scalars()]


async def waiting_requests(session: AsyncSession) -> list[tuple[BuddyRequest, User]]:
    rows = await session.execute(
        select(BuddyRequest, User)
        .join(User, User.id == BuddyRequest.user_id)
        .where(BuddyRequest.status == "waiting", User.is_active.is_(True))
        .order_by(BuddyRequest.created_at, BuddyRequest.id)
    )
    return [(request, family) for request, family in rows.all()]


def reasons_json(score: matching.Score) -> list[dict[str, Any]]:
    return [
        {
            "code": reason.code,
            "value": reason.value,
            "values": list(reason.values),
            "count": reason.count,
        }
        for reason in score.reasons
    ]


async def propose_batch(session: AsyncSession, now: datetime) -> list[BuddyMatch]:
    """Match every waiting family against the approved volunteers, optimally for the whole
    batch, and store the pairs as proposals for coordinators (nobody is told yet)."""
    waiting = await waiting_requests(session)
    if not waiting:
        return []
    from bot.domain.buddies import assignment  # NumPy and SciPy load with the first batch

    batch = assignment.propose(await pool(session), [family_request(r, f) for r, f in waiting])
    by_id = {request.id: (request, family) for request, family in waiting}
    proposals = []
    for proposal in batch.proposals:
        request, family = by_id[proposal.request_id]
        match = BuddyMatch(
            request_id=request.id,
            buddy_id=proposal.volunteer_id,
            family_id=family.id,
            status="proposed",
            score=proposal.score.total,
            reasons=reasons_json(proposal.score),
            proposed_at=now,
        )
        request.status = "proposed"
        session.add(match)
        proposals.append(match)
    await session.flush()
    return proposals


async def decide(
    session: AsyncSession,
    match: BuddyMatch,
    coordinator: User,
    approve_it: bool,
    now: datetime,
    rhythm: Rhythm = DEFAULT_RHYTHM,
) -> bool:
    """A coordinator approves (the match starts: both sides are introduced, check-ins are
    planned) or rejects a proposal (the family waits again). False when it was decided
    already, or another coordinator decided it at the same moment."""
    result = await session.execute(
        update(BuddyMatch)
        .where(BuddyMatch.id == match.id, BuddyMatch.status == "proposed")
        .values(
            status="active" if approve_it else "rejected",
            decided_at=now,
            decided_by=coordinator.id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(match)
    request = await session.get(BuddyRequest, match.request_id)
    if approve_it:
        buddy_matches.start(match, now, rhythm)
        await buddy_matches.introduce(session, match, now)
        if request is not None:
            request.status = "matched"
        await _settle_inbox(session, match.family_id, "buddy_request", now)
    elif request is not None:
        request.status = "waiting"
    await session.flush()
    return True


async def to_approve(session: AsyncSession) -> list[BuddyProfile]:
    """Volunteers who finished the training and wait for a coordinator, longest first."""
    rows = await session.execute(
        select(BuddyProfile)
        .join(User, User.id == BuddyProfile.user_id)
        .where(BuddyProfile.status == "ready", User.is_active.is_(True))
        .order_by(BuddyProfile.trained_at, BuddyProfile.id)
    )
    return list(rows.scalars())


async def proposals(session: AsyncSession) -> list[BuddyMatch]:
    rows = await session.execute(
        select(BuddyMatch)
        .where(BuddyMatch.status == "proposed")
        .order_by(BuddyMatch.proposed_at, BuddyMatch.id)
    )
    return list(rows.scalars())


async def candidates(
    session: AsyncSession, request: BuddyRequest, family: User, n: int = 5
) -> list[matching.Proposal]:
    """The best buddies for one family (a coordinator picking another or matching by hand);
    the family's own open proposal does not count against its buddy's places."""
    loads = await _loads(session)
    held = await session.execute(
        select(BuddyMatch.buddy_id).where(
            BuddyMatch.request_id == request.id, BuddyMatch.status == "proposed"
        )
    )
    for buddy_id in held.scalars():
        loads[buddy_id] = loads.get(buddy_id, 1) - 1
    rows = await session.execute(
        select(BuddyProfile).where(BuddyProfile.status == "approved").order_by(BuddyProfile.id)
    )
    volunteers = [volunteer(p, p.gender, loads.get(p.user_id, 0)) for p in rows.scalars()]
    return matching.best_candidates(volunteers, family_request(request, family), n)


async def propose_pair(
    session: AsyncSession, request: BuddyRequest, chosen: matching.Proposal, now: datetime
) -> BuddyMatch:
    """A coordinator's own pick for a family: it replaces the family's open proposal and waits
    for approval like any other (nobody is told before)."""
    await session.execute(
        update(BuddyMatch)
        .where(BuddyMatch.request_id == request.id, BuddyMatch.status == "proposed")
        .values(status="rejected", decided_at=now)
        .execution_options(synchronize_session=False)
    )
    match = BuddyMatch(
        request_id=request.id,
        buddy_id=chosen.volunteer_id,
        family_id=request.user_id,
        status="proposed",
        score=chosen.score.total,
        reasons=reasons_json(chosen.score),
        proposed_at=now,
    )
    session.add(match)
    request.status = "proposed"
    await session.flush()
    return match

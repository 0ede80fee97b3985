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

from sqlalchemy import func, select
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
from bot.domain.buddies import matching
from bot.domain.flows.runtime import Submitted
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
    session: AsyncSession, user: User, topic: str, submitted: Submitted
) -> None:
    """Put an item in the coordinators' inbox (they approve volunteers and match families);
    a waiting item of the same person and topic is brought up to date instead."""
    answers = {k: v for k, v in submitted.answers.items() if not k.startswith("_")}
    context = {"answers": answers, "name": ""}
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
async def sign_up(session: AsyncSession, user: User, submitted: Submitted) -> None:
    """Store (or update) a volunteer's profile from the buddy-signup flow."""
    answers = submitted.answers
    languages = {code: SOME for code in _codes(answers.get("speaks_some"))}
    languages.update({code: WELL for code in _codes(answers.get("speaks_well"))})
    supports = str(answers.get("supports") or "family")
    profile = await profile_of(session, user)
    if profile is None:
        profile = BuddyProfile(user_id=user.id, status="training")
        session.add(profile)
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
async def finish_training(session: AsyncSession, user: User, submitted: Submitted) -> None:
    """The training flow ended: the volunteer now waits for a coordinator's approval, and
    the coordinators' inbox says so."""
    profile = await profile_of(session, user)
    if profile is None:
        profile = BuddyProfile(user_id=user.id, status="training")
        session.add(profile)
    profile.trained_at = profile.trained_at or utcnow()
    if profile.status == "training":
        profile.status = "ready"
        await _tell_coordinators(session, user, "buddy_approval", submitted)
    await session.flush()


@form("buddy_request")
async def ask_for_buddy(session: AsyncSession, user: User, submitted: Submitted) -> None:
    """Store a family's request (a waiting one is updated rather than doubled); the
    coordinators' inbox shows it with the answers."""
    answers = submitted.answers
    found = await session.execute(
        select(BuddyRequest).where(
            BuddyRequest.user_id == user.id, BuddyRequest.status == "waiting"
        )
    )
    request = found.scalar_one_or_none()
    if request is None:
        request = BuddyRequest(user_id=user.id, status="waiting")
        session.add(request)
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
    await _tell_coordinators(session, user, "buddy_request", submitted)
    await session.flush()


@form("closing_survey")
async def closing_survey(session: AsyncSession, user: User, submitted: Submitted) -> None:
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
    batch = matching.propose(await pool(session), [family_request(r, f) for r, f in waiting])
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
    session: AsyncSession, match: BuddyMatch, coordinator: User, approve_it: bool, now: datetime
) -> bool:
    """A coordinator approves (the match starts; its first check-in is planned) or rejects a
    proposal (the family waits again). False when it was decided already."""
    if match.status != "proposed":
        return False
    request = await session.get(BuddyRequest, match.request_id)
    match.decided_at = now
    match.decided_by = coordinator.id
    if approve_it:
        match.status = "active"
        match.next_buddy_checkin = now + FIRST_CHECKIN
        if request is not None:
            request.status = "matched"
    else:
        match.status = "rejected"
        if request is not None:
            request.status = "waiting"
    await session.flush()
    return True

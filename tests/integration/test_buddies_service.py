"""The buddy programme's services on SQLite and PostgreSQL: a sign-up and its training from the
flows' answers, approval (with the record check's date where children are met alone), families'
requests, the batch matching into proposals with reasons, and a coordinator's decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import (
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    HandoffRequest,
    SurveyAnswer,
    User,
)
from bot.db.session import create_session_factory
from bot.domain.flows.runtime import Submitted
from bot.services import buddies, forms

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


async def person(session: AsyncSession, telegram_id: int, language: str, role: str) -> User:
    user = User(
        telegram_id=telegram_id,
        language=language,
        role=role,
        timezone="Europe/Helsinki",
        consent_at=NOW - timedelta(days=1),
    )
    session.add(user)
    await session.flush()
    return user


def submitted(form: str, **answers: object) -> Submitted:
    return Submitted(form, "test-flow", "store", dict(answers))


SIGNUP = {
    "speaks_well": ["ar", "fi"],
    "speaks_some": ["en", "fi"],
    "area": "  Petonen ",
    "supports": "both",
    "age_bands": ["7-12", "13-17"],
    "topics": ["school", "transport"],
    "availability": ["weekday_evening", "weekend"],
    "capacity": "2",
    "gender": "female",
    "alone_with_children": "yes",
}


async def test_sign_up_training_and_approval(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        volunteer = await person(session, 1, "fi", "buddy")
        coordinator = await person(session, 2, "en", "coordinator")
        await forms.submit(session, volunteer, submitted("buddy_signup", **SIGNUP))
        profile = await buddies.profile_of(session, volunteer)
        assert profile is not None and profile.status == "training"
        assert profile.languages == {"ar": "fluent", "fi": "fluent", "en": "good"}
        assert profile.area == "Petonen" and profile.kinds == ["family", "pupil"]
        assert "mon_evening" in profile.availability and "sun_morning" in profile.availability
        assert "mon_morning" not in profile.availability
        assert (profile.capacity, profile.gender, profile.alone_with_children) == (
            2,
            "female",
            True,
        )

        with pytest.raises(buddies.NotApprovable, match="training"):
            buddies.approve(profile, coordinator, NOW)
        await forms.submit(session, volunteer, submitted("buddy_training"))
        assert profile.status == "ready" and profile.trained_at is not None
        with pytest.raises(buddies.NotApprovable, match="record"):
            buddies.approve(profile, coordinator, NOW)
        buddies.approve(profile, coordinator, NOW, record_seen_on=date(2026, 11, 20))
        trained_only = await person(session, 3, "fi", "buddy")
        await forms.submit(session, trained_only, submitted("buddy_training"))
        without_signup = await buddies.profile_of(session, trained_only)
        assert without_signup is not None
        with pytest.raises(buddies.NotApprovable, match="signup"):
            buddies.approve(without_signup, coordinator, NOW)
        await session.commit()

        again = (
            await session.execute(select(BuddyProfile).where(BuddyProfile.user_id == volunteer.id))
        ).scalar_one()
        assert again.status == "approved" and again.record_seen_on == date(2026, 11, 20)
        assert again.approved_by == coordinator.id


async def approved(session: AsyncSession, telegram_id: int, **answers: object) -> User:
    user = await person(session, telegram_id, "fi", "buddy")
    await forms.submit(session, user, submitted("buddy_signup", **{**SIGNUP, **answers}))
    await forms.submit(session, user, submitted("buddy_training"))
    profile = await buddies.profile_of(session, user)
    assert profile is not None
    buddies.approve(profile, user, NOW, record_seen_on=date(2026, 11, 1))
    return user


async def test_requests_are_matched_as_a_batch_and_decided(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        coordinator = await person(session, 9, "en", "coordinator")
        arabic = await approved(session, 10, speaks_well=["ar"], speaks_some=[], capacity="1")
        somali = await approved(
            session, 11, speaks_well=["so", "fi"], speaks_some=[], area="Keskusta", capacity="1"
        )
        families = {}
        for telegram_id, language, area in [
            (20, "ar", "Petonen"),
            (21, "so", "Keskusta"),
            (22, "ru", None),
        ]:
            family = await person(session, telegram_id, language, "parent")
            await forms.submit(
                session,
                family,
                submitted(
                    "buddy_request",
                    languages=[language],
                    area=area,
                    children_ages=["7-12"],
                    needs=["school"],
                    availability=["weekend"],
                    gender_preference="any",
                ),
            )
            families[language] = family
        # Asking again updates the waiting request instead of adding one.
        await forms.submit(
            session,
            families["ar"],
            submitted(
                "buddy_request",
                languages=["ar"],
                area="Petonen",
                children_ages=["7-12"],
                needs=["school", "transport"],
                availability=["weekend"],
                gender_preference="female",
                gender_required="no",
            ),
        )
        requests = (await session.execute(select(BuddyRequest))).scalars().all()
        assert len(requests) == 3
        inbox = (await session.execute(select(HandoffRequest))).scalars().all()
        topics = sorted(item.topic for item in inbox)
        assert topics == ["buddy_approval"] * 2 + ["buddy_request"] * 3, "asking again: one item"
        assert {"languages": ["so"], "area": "Keskusta"}.items() <= next(
            item.context["answers"] for item in inbox if item.user_id == families["so"].id
        ).items()

        proposals = await buddies.propose_batch(session, NOW)
        await session.commit()
        pairs = {(m.family_id, m.buddy_id) for m in proposals}
        assert pairs == {(families["ar"].id, arabic.id), (families["so"].id, somali.id)}
        ar_match = next(m for m in proposals if m.family_id == families["ar"].id)
        codes = [reason["code"] for reason in ar_match.reasons]
        assert {"code": "language", "value": "ar", "values": [], "count": None} in ar_match.reasons
        assert {"area", "topics", "gender"} <= set(codes)
        statuses = {
            r.user_id: r.status for r in (await session.execute(select(BuddyRequest))).scalars()
        }
        assert statuses[families["ru"].id] == "waiting", "no Russian-speaking buddy: still waiting"
        assert statuses[families["ar"].id] == "proposed"

        # A second batch proposes nothing new: the buddies' places are taken by the proposals.
        assert await buddies.propose_batch(session, NOW) == []

        so_match = next(m for m in proposals if m.family_id == families["so"].id)
        assert await buddies.decide(session, ar_match, coordinator, True, NOW)
        assert await buddies.decide(session, so_match, coordinator, False, NOW)
        assert not await buddies.decide(session, ar_match, coordinator, False, NOW), "decided once"
        await session.commit()
        matches = {m.id: m for m in (await session.execute(select(BuddyMatch))).scalars()}
        assert matches[ar_match.id].status == "active"
        assert matches[ar_match.id].next_buddy_checkin is not None
        assert matches[so_match.id].status == "rejected"
        statuses = {
            r.user_id: r.status for r in (await session.execute(select(BuddyRequest))).scalars()
        }
        assert statuses[families["ar"].id] == "matched"
        assert statuses[families["so"].id] == "waiting", "a rejected proposal sends the family back"


async def test_closing_survey_is_kept_with_the_ended_match(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        family = await person(session, 30, "uk", "parent")
        buddy = await person(session, 31, "uk", "buddy")
        request = BuddyRequest(user_id=family.id, status="closed")
        session.add(request)
        await session.flush()
        match = BuddyMatch(
            request_id=request.id,
            buddy_id=buddy.id,
            family_id=family.id,
            status="closed",
            ended_at=NOW,
        )
        session.add(match)
        await session.flush()
        await forms.submit(
            session,
            family,
            submitted(
                "closing_survey",
                belonging="3",
                friends="2",
                language="2",
                school="4",
                new_buddy="yes",
                _checklist_x=[1],
            ),
        )
        await session.commit()
        answer = (await session.execute(select(SurveyAnswer))).scalar_one()
        assert answer.match_id == match.id and answer.kind == "closing"
        assert answer.answers == {
            "belonging": "3",
            "friends": "2",
            "language": "2",
            "school": "4",
            "new_buddy": "yes",
        }


async def test_mydata_shows_and_delete_erases_the_buddy_records(engine: AsyncEngine) -> None:
    from bot.services.users import delete_user, export_user_data

    async with create_session_factory(engine)() as session:
        volunteer = await approved(session, 40)
        family = await person(session, 41, "fi", "parent")
        family.muted_at = NOW
        await forms.submit(
            session, family, submitted("buddy_request", languages=["fi"], children_ages=["7-12"])
        )
        await buddies.propose_batch(session, NOW)
        await session.commit()
        assert (await export_user_data(session, volunteer, frozenset())).buddy_profile
        data = await export_user_data(session, family, frozenset())
        assert (data.buddy_requests, data.announcements_off, data.buddy_profile) == (1, True, False)

        assert await delete_user(session, 40) and await delete_user(session, 41)
        await session.commit()
        for model in (BuddyProfile, BuddyRequest, BuddyMatch, HandoffRequest):
            assert (await session.execute(select(model))).first() is None, model.__name__

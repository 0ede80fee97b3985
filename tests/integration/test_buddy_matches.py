"""A running buddy match on SQLite and PostgreSQL: approval introduces both sides, check-ins
follow the rhythm (weekly, then every two weeks; the family monthly), two unanswered check-ins
and a "need help" answer alert coordinators, "pause" skips four weeks, contact details go out
only when both agree, relayed messages are keyed once, and the end offers the survey."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import BuddyMatch, BuddyRequest, CheckIn, HandoffRequest, OutboxMessage, as_utc
from bot.db.session import create_session_factory
from bot.domain.buddies.rhythm import Rhythm
from bot.services import buddies, buddy_matches, forms, users
from tests.integration.test_buddies_service import NOW, SIGNUP, approved, person, submitted

RHYTHM = Rhythm()


async def _outbox(session: AsyncSession, purpose: str) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
    )
    return list(rows.scalars())


async def _matched(session: AsyncSession) -> tuple[BuddyMatch, int, int]:
    coordinator = await person(session, 90, "en", "coordinator")
    buddy = await approved(session, 91)
    family = await person(session, 92, "ar", "parent")
    await forms.submit(
        session,
        family,
        submitted(
            "buddy_request",
            languages=["ar"],
            area="Petonen",
            children_ages=["7-12"],
            needs=["school"],
            availability=["weekend"],
        ),
        "Huda",
    )
    [proposal] = await buddies.propose_batch(session, NOW)
    assert await buddies.decide(session, proposal, coordinator, True, NOW, RHYTHM)
    return proposal, buddy.id, family.id


async def test_approval_introduces_both_sides_and_closes_the_inbox_item(
    engine: AsyncEngine,
) -> None:
    async with create_session_factory(engine)() as session:
        match, buddy_id, family_id = await _matched(session)
        intros = await _outbox(session, "buddy_intro")
        assert sorted(row.user_id for row in intros) == sorted([buddy_id, family_id])
        assert as_utc(match.next_buddy_checkin) == NOW + timedelta(days=7)  # type: ignore[arg-type]
        assert as_utc(match.next_family_checkin) == NOW + timedelta(days=30)  # type: ignore[arg-type]
        request = await session.get(BuddyRequest, match.request_id)
        assert request is not None and request.status == "matched" and request.name == "Huda"
        items = (await session.execute(select(HandoffRequest))).scalars().all()
        assert {item.topic: item.status for item in items}["buddy_request"] == "closed"


async def test_checkins_follow_the_rhythm_and_unanswered_ones_alert(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        match, _buddy, _family = await _matched(session)
        asked: list[datetime] = []
        moment = NOW
        for _day in range(80):  # 80 days, one planning round a day at the same hour
            moment += timedelta(days=1)
            await buddy_matches.plan_due(session, moment, RHYTHM)
        rows = (
            await session.execute(
                select(CheckIn).where(CheckIn.who == "buddy").order_by(CheckIn.due_at)
            )
        ).scalars()
        asked = [as_utc(row.due_at) for row in rows]
        gaps = [(b - a).days for a, b in zip([NOW, *asked], asked, strict=False)]
        assert gaps[:4] == [7, 7, 7, 7], "weekly in the first month"
        assert set(gaps[4:]) == {14} and len(gaps) == 4 + (80 - 28) // 14
        family = (await session.execute(select(CheckIn).where(CheckIn.who == "family"))).all()
        assert len(family) == 2, "day 30 and day 60"
        assert len(await _outbox(session, "buddy_checkin")) == len(asked)
        # Every check-in after the second one found its predecessor unanswered: one alert only.
        alerts = (
            (
                await session.execute(
                    select(HandoffRequest).where(HandoffRequest.topic == "buddy_alert")
                )
            )
            .scalars()
            .all()
        )
        assert len(alerts) == 1 and alerts[0].context["alert"]["reason"] == "unanswered"
        assert alerts[0].context["alert"]["family"] == "Huda"
        await session.refresh(match)
        assert match.buddy_checkins_sent == len(asked)


async def test_answers_help_pause_and_notes(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        match, buddy_id, family_id = await _matched(session)
        buddy = await session.get(buddies.User, buddy_id)
        family = await session.get(buddies.User, family_id)
        assert buddy is not None and family is not None
        await buddy_matches.plan_due(session, NOW + timedelta(days=7), RHYTHM)
        checkin = (await session.execute(select(CheckIn))).scalar_one()

        with pytest.raises(buddy_matches.NotYours):  # the family cannot answer the buddy's
            await buddy_matches.answer(session, checkin, family, "met_ok", NOW, RHYTHM)
        # "All good" first, then changed to "need help": the change alerts (once).
        assert not await buddy_matches.answer(session, checkin, buddy, "met_ok", NOW, RHYTHM)
        assert await buddy_matches.answer(session, checkin, buddy, "met_help", NOW, RHYTHM)
        assert not await buddy_matches.answer(session, checkin, buddy, "met_help", NOW, RHYTHM)
        await buddy_matches.add_note(session, checkin, "The school meeting is in Finnish only.")
        alert = (await session.execute(select(HandoffRequest))).scalars().all()[-1]
        assert alert.topic == "buddy_alert" and alert.user_id == buddy_id
        assert alert.context["alert"]["note"] == "The school meeting is in Finnish only."

        paused_at = NOW + timedelta(days=8)
        await buddy_matches.answer(session, checkin, buddy, "pause", paused_at, RHYTHM)
        assert as_utc(match.next_buddy_checkin) == paused_at + timedelta(days=28)  # type: ignore[arg-type]


async def test_contact_details_only_when_both_agree_and_relay_once(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        match, buddy_id, family_id = await _matched(session)
        buddy = await session.get(buddies.User, buddy_id)
        family = await session.get(buddies.User, family_id)
        assert buddy is not None and family is not None
        buddy_seat = await buddy_matches.seat_of(session, match, buddy)
        family_seat = await buddy_matches.seat_of(session, match, family)
        assert buddy_seat is not None and family_seat is not None
        assert buddy_seat.other_name == "Huda"
        assert not await buddy_matches.share_contact(session, buddy_seat, NOW)
        assert await _outbox(session, "buddy_contact") == []
        assert await buddy_matches.share_contact(session, family_seat, NOW)
        assert len(await _outbox(session, "buddy_contact")) == 2

        for _twice in range(2):
            await buddy_matches.relay(session, family_seat, "Hello!", "Huda", 77, NOW)
        [relayed] = await _outbox(session, "buddy_relay")
        assert relayed.user_id == buddy_id and relayed.payload["text"] == "Hello!"


async def test_close_offered_after_the_programme_and_closing(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        match, _buddy, family_id = await _matched(session)
        await buddy_matches.plan_due(session, NOW + timedelta(days=182), RHYTHM)
        assert await _outbox(session, "buddy_close_offer") == []
        await buddy_matches.plan_due(session, NOW + timedelta(days=184), RHYTHM)
        assert len(await _outbox(session, "buddy_close_offer")) == 2
        await buddy_matches.plan_due(session, NOW + timedelta(days=185), RHYTHM)
        assert len(await _outbox(session, "buddy_close_offer")) == 2, "offered once"

        assert await buddy_matches.close(session, match, "family", NOW + timedelta(days=186))
        assert not await buddy_matches.close(session, match, "buddy", NOW + timedelta(days=186))
        assert match.status == "closed" and match.ended_by == "family"
        request = await session.get(BuddyRequest, match.request_id)
        assert request is not None and request.status == "closed"
        closed = await _outbox(session, "buddy_closed")
        assert len(closed) == 2 and {row.payload["by"] for row in closed} == {"family"}
        before = len((await session.execute(select(CheckIn))).all())
        await buddy_matches.plan_due(session, NOW + timedelta(days=400), RHYTHM)
        assert len((await session.execute(select(CheckIn))).all()) == before, "no more check-ins"

        family = await session.get(buddies.User, family_id)
        assert family is not None
        await forms.submit(session, family, submitted("closing_survey", belonging="yes"))
        survey = (await session.execute(select(buddies.SurveyAnswer))).scalar_one()
        assert survey.match_id == match.id

        # /mydata names the match; /delete erases it with its check-ins.
        data = await users.export_user_data(session, family, frozenset())
        assert data.buddy_matches == 1 and data.surveys == 1
        assert await users.delete_user(session, family.telegram_id)
        await session.commit()
        assert (await session.execute(select(BuddyMatch))).first() is None
        assert (await session.execute(select(CheckIn))).first() is None


async def test_another_candidate_and_a_record_date(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        coordinator = await person(session, 80, "en", "coordinator")
        first = await approved(session, 81)
        second = await approved(session, 82, area="Elsewhere")
        family = await person(session, 83, "ar", "parent")
        await forms.submit(
            session,
            family,
            submitted("buddy_request", languages=["ar"], area="Petonen", children_ages=["7-12"]),
            "Huda",
        )
        [proposal] = await buddies.propose_batch(session, NOW)
        assert proposal.buddy_id == first.id, "same area wins"
        request = await session.get(BuddyRequest, proposal.request_id)
        assert request is not None
        found = await buddies.candidates(session, request, family)
        assert [c.volunteer_id for c in found] == [first.id, second.id]
        other = next(c for c in found if c.volunteer_id == second.id)
        picked = await buddies.propose_pair(session, request, other, NOW)
        await session.refresh(proposal)
        assert proposal.status == "rejected" and picked.status == "proposed"
        assert picked.buddy_id == second.id
        assert await buddies.decide(session, picked, coordinator, True, NOW, RHYTHM)
        assert not await buddies.decide(session, picked, coordinator, True, NOW, RHYTHM)

        ready = await person(session, 84, "fi", "buddy")
        await forms.submit(session, ready, submitted("buddy_signup", **SIGNUP), "Aino")
        await forms.submit(session, ready, submitted("buddy_training"), "Aino")
        [waiting] = await buddies.to_approve(session)
        assert waiting.name == "Aino"
        await buddies.approve_and_tell(session, waiting, coordinator, NOW, date(2026, 11, 2))
        assert waiting.status == "approved" and waiting.record_seen_on == date(2026, 11, 2)
        assert [row.user_id for row in await _outbox(session, "buddy_approved")] == [ready.id]

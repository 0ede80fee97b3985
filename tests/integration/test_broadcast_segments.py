"""The buddy programme's announcement segments on SQLite and PostgreSQL: "families waiting for a
buddy" reaches exactly the families whose request waits (or has a proposal being decided), "in
a buddy match" exactly both sides of the active matches; combined with other kinds they narrow
the audience, and sending plans a row for exactly those readers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import Broadcast, BuddyMatch, BuddyRequest, OutboxMessage, User
from bot.db.session import create_session_factory
from bot.domain.audiences import Audience
from bot.domain.clubs.reminders import QuietHours
from bot.services import broadcasts

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
NO_QUIET = QuietHours(time(0, 0), time(0, 0))
COORDINATOR = 555


async def seed(session: AsyncSession) -> dict[str, User]:
    """Families with requests in every state, buddies in matches in every state, and people
    the segments must leave out (not active, no consent, a request of someone else)."""
    people: dict[str, User] = {}
    for index, (name, role, language) in enumerate(
        [
            ("waiting_fi", "parent", "fi"),
            ("waiting_ar", "parent", "ar"),
            ("proposed_so", "parent", "so"),
            ("matched_family", "parent", "ar"),
            ("closed_family", "parent", "fi"),
            ("withdrawn_family", "parent", "fi"),
            ("muted_waiting", "parent", "fi"),
            ("gone_waiting", "parent", "fi"),
            ("unconsented_waiting", "parent", "fi"),
            ("plain_parent", "parent", "fi"),
            ("active_buddy", "buddy", "fi"),
            ("proposed_buddy", "buddy", "ru"),
            ("former_buddy", "buddy", "fi"),
            ("plain_buddy", "buddy", "fi"),
        ]
    ):
        user = User(
            telegram_id=8000 + index,
            language=language,
            role=role,
            timezone="Europe/Helsinki",
            consent_at=None if name == "unconsented_waiting" else NOW - timedelta(days=5),
            is_active=name != "gone_waiting",
            muted_at=NOW if name == "muted_waiting" else None,
        )
        session.add(user)
        people[name] = user
    await session.flush()
    requests = {}
    for name, status in [
        ("waiting_fi", "waiting"),
        ("waiting_ar", "waiting"),
        ("proposed_so", "proposed"),
        ("matched_family", "matched"),
        ("closed_family", "closed"),
        ("withdrawn_family", "withdrawn"),
        ("muted_waiting", "waiting"),
        ("gone_waiting", "waiting"),
        ("unconsented_waiting", "waiting"),
    ]:
        request = BuddyRequest(user_id=people[name].id, status=status)
        session.add(request)
        requests[name] = request
    # plain_parent asked once and withdrew, then asked again and got a buddy and ended it.
    session.add(BuddyRequest(user_id=people["plain_parent"].id, status="withdrawn"))
    await session.flush()
    for buddy, family, status in [
        ("active_buddy", "matched_family", "active"),
        ("proposed_buddy", "proposed_so", "proposed"),
        ("former_buddy", "closed_family", "closed"),
        ("plain_buddy", "withdrawn_family", "rejected"),
    ]:
        session.add(
            BuddyMatch(
                request_id=requests[family].id,
                buddy_id=people[buddy].id,
                family_id=people[family].id,
                status=status,
            )
        )
    await session.commit()
    return people


async def _reach(session: AsyncSession, audience: Audience) -> broadcasts.Reach:
    return await broadcasts.reach(session, audience, frozenset({COORDINATOR}), NOW, NO_QUIET)


async def test_families_waiting_for_a_buddy(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        people = await seed(session)
        waiting = Audience().toggled("programme", "waiting")
        reach = await _reach(session, waiting)
        assert reach.by_language == {"ar": 1, "fi": 1, "so": 1}
        assert reach.total == 3 and reach.muted == 1

        arabic = waiting.toggled("languages", "ar")
        assert (await _reach(session, arabic)).by_language == {"ar": 1}, "kinds narrow"
        buddies = waiting.toggled("roles", "buddy")
        assert (await _reach(session, buddies)).total == 0

        author = people["plain_buddy"]
        draft = Broadcast(
            author_id=author.id,
            audience=waiting.to_json(),
            texts={"en": "Hello"},
            source_language="en",
            status="draft",
        )
        session.add(draft)
        await session.flush()
        assert await broadcasts.start(session, draft, frozenset({COORDINATOR}), NOW) == 3
        rows = await session.execute(
            select(OutboxMessage.user_id).where(
                OutboxMessage.batch == broadcasts.batch_of(draft.id)
            )
        )
        expected = {people[name].id for name in ("waiting_fi", "waiting_ar", "proposed_so")}
        assert set(rows.scalars()) == expected


async def test_people_in_a_buddy_match(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        people = await seed(session)
        matched = Audience().toggled("programme", "matched")
        reach = await _reach(session, matched)
        assert reach.by_language == {"ar": 1, "fi": 1}, "the family and the buddy of the match"
        assert reach.muted == 0

        only_buddies = matched.toggled("roles", "buddy")
        assert (await _reach(session, only_buddies)).by_language == {"fi": 1}

        either = matched.toggled("programme", "waiting")
        assert (await _reach(session, either)).total == 5, "choices in one kind widen"

        draft = Broadcast(
            author_id=people["plain_buddy"].id,
            audience=matched.to_json(),
            texts={"en": "Hello"},
            source_language="en",
            status="draft",
        )
        session.add(draft)
        await session.flush()
        assert await broadcasts.start(session, draft, frozenset({COORDINATOR}), NOW) == 2
        rows = await session.execute(
            select(OutboxMessage.user_id).where(
                OutboxMessage.batch == broadcasts.batch_of(draft.id)
            )
        )
        assert set(rows.scalars()) == {people["active_buddy"].id, people["matched_family"].id}


async def test_an_unknown_programme_value_reaches_nobody(engine: AsyncEngine) -> None:
    """A value a later version might store must not widen the audience to everyone."""
    async with create_session_factory(engine)() as session:
        await seed(session)
        stored = Audience.from_json({"programme": ["someday"]})
        assert not stored.everyone
        assert (await _reach(session, stored)).total == 0
        assert (await _reach(session, Audience())).total == 11, "everyone but the muted"

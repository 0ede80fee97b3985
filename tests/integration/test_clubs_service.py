"""The clubs service on SQLite and PostgreSQL: waiting list and promotion, answers and
attendance, cancelled and moved meetings told to members, reminder planning after a downtime,
and erasure of everything a person left in clubs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import Membership, OutboxMessage, Rsvp, User
from bot.db.session import create_session_factory
from bot.delivery import outbox
from bot.domain.clubs.reminders import QuietHours
from bot.domain.clubs.schedule import weekly_rule
from bot.scheduler.jobs import Tick, plan_reminders
from bot.services import clubs as service
from bot.services.users import delete_user, export_user_data

FIRST = date(2026, 12, 1)  # a Tuesday
MEETING = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 17:00 in Helsinki
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def draft(capacity: int = 2) -> service.ClubDraft:
    return service.ClubDraft(
        name={"fi": "Perhekerho"},
        kind="family_club",
        address="Puijonkatu 1",
        languages=["fi", "ar"],
        capacity=capacity,
        timezone="Europe/Helsinki",
        first_date=FIRST,
        start_time=time(17, 0),
        minutes=90,
        rule=weekly_rule(1),
    )


async def people(session: AsyncSession, count: int) -> list[User]:
    made = [
        User(
            telegram_id=9000 + i,
            language="fi",
            timezone="Europe/Helsinki",
            is_active=True,
            role="parent",
            consent_at=NOW - timedelta(days=30),
        )
        for i in range(count)
    ]
    session.add_all(made)
    await session.flush()
    return made


async def test_waiting_list_promotion_answers_and_changes(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        club = await service.create_club(session, draft())
        a, b, c = await people(session, 3)
        assert [
            await service.join(session, club, u, n) for u, n in ((a, "A"), (b, "B"), (c, "C"))
        ] == [
            "member",
            "member",
            "waiting",
        ]
        assert await service.join(session, club, a, "A") == "already"
        promoted = await service.leave(session, club, a, NOW)
        assert promoted is not None and promoted.id == c.id
        assert (await service.view(session, club, c)).mine.status == "member"  # type: ignore[union-attr]
        assert await outbox.counts(session, "club_place") == {"pending": 1}

        await service.answer(session, club, b, "2026-12-01T17:00", True)
        await service.answer(session, club, c, "2026-12-01T17:00", False)
        await service.answer(session, club, c, "2026-12-01T17:00", True)  # changed her mind
        seen = await service.attendance(session, club, "2026-12-01T17:00")
        assert (seen.coming, seen.not_coming, seen.no_answer) == (["B", "C"], [], 0)

        cancelled = await service.change_meeting(session, club, "2026-12-08T17:00", NOW)
        assert cancelled.cancelled
        moved = await service.change_meeting(
            session, club, "2026-12-15T17:00", NOW, datetime(2026, 12, 16, 18, 0)
        )
        assert moved.starts_at == datetime(2026, 12, 16, 16, 0, tzinfo=UTC)
        rows = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.purpose == "meeting_change")
                )
            )
            .scalars()
            .all()
        )
        assert len(rows) == 4 and all(row.urgent for row in rows)
        with pytest.raises(service.ClubError):
            await service.change_meeting(session, club, "2026-11-24T17:00", NOW)  # in the past
        with pytest.raises(service.ClubError, match="the new time has passed"):
            await service.change_meeting(
                session, club, "2026-12-22T17:00", NOW, datetime(2026, 11, 20, 17, 0)
            )
        assert (await service.meeting(session, club, "2026-12-22T17:00")).status == "planned"  # type: ignore[union-attr]
        extra = await service.add_meeting(session, club, datetime(2026, 12, 24, 12, 0), NOW)
        assert extra.status == "added" and extra.starts_at == datetime(
            2026, 12, 24, 10, 0, tzinfo=UTC
        )
        with pytest.raises(service.ClubError):
            await service.add_meeting(session, club, datetime(2026, 12, 24, 12, 0), NOW)
        assert await outbox.counts(session, "meeting_change") == {"pending": 6}
        meetings = await service.upcoming(session, club, NOW, count=4)
        assert [m.key for m in meetings] == [
            "2026-12-01T17:00",
            "2026-12-15T17:00",
            "2026-12-22T17:00",
            "2026-12-24T12:00",
        ]
        await session.commit()


async def test_reminders_are_planned_once_and_missed_ones_recorded(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        club = await service.create_club(session, draft(capacity=10))
        members = await people(session, 2)
        for user in members:
            await service.join(session, club, user, "X")
        await session.execute(Membership.__table__.update().values(since=NOW - timedelta(days=10)))
        await session.commit()
    quiet = QuietHours()
    day_before = MEETING - timedelta(hours=24)
    for _ in range(2):  # a second tick (or a second process) plans nothing new
        async with factory() as session:
            await plan_reminders(session, Tick(day_before, quiet))
            await session.commit()
    async with factory() as session:
        assert await outbox.counts(session, "reminder") == {"pending": 2}
    # The bot was down from then until 20 minutes after the meeting began.
    async with factory() as session:
        await plan_reminders(session, Tick(MEETING + timedelta(minutes=20), quiet))
        await session.commit()
        counts = await outbox.counts(session, "reminder")
    assert counts == {"pending": 2, "skipped": 2}, "the 2-hour reminders were recorded as missed"


async def test_erasing_a_person_erases_their_clubs_data(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        club = await service.create_club(session, draft())
        [user] = await people(session, 1)
        await service.join(session, club, user, "Aino")
        await service.answer(session, club, user, "2026-12-01T17:00", True)
        data = await export_user_data(session, user, frozenset())
        assert data.clubs == [("Perhekerho", "member", "Aino")] and data.club_answers == 1
        await session.commit()
        assert await delete_user(session, user.telegram_id)
        await session.commit()
        for model in (Membership, Rsvp, OutboxMessage):
            count = await session.execute(select(func.count()).select_from(model))
            assert count.scalar_one() == 0

"""The reminder planner's mark on SQLite and PostgreSQL: each tick plans what came due since the
last one, and still every reminder once: missed ones recorded once after a downtime, a member
who joins in the last minutes reminded, reminders held back by the quiet hours, a meeting moved
earlier, a clock set back, and two planners at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import Club, ClubChange, Membership, OutboxMessage, PlannerMark, User
from bot.db.session import create_engine, create_session_factory
from bot.delivery import outbox
from bot.domain.clubs.reminders import QuietHours, plan
from bot.domain.clubs.schedule import weekly_rule
from bot.scheduler.jobs import Tick, plan_reminders
from bot.services import clubs as service

FIRST = date(2026, 12, 1)  # a Tuesday
MEETING = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 17:00 in Helsinki
TWO_HOURS = MEETING - timedelta(hours=2)  # the two-hour reminder, 15:00 in Helsinki
EVERY = timedelta(seconds=30)
QUIET = QuietHours()


async def a_club(
    factory: async_sessionmaker[AsyncSession],
    members: int,
    joined: datetime,
    start: time = time(17, 0),
    minutes: tuple[int, ...] = (1440, 120),
) -> tuple[int, list[int]]:
    """A weekly Helsinki club from FIRST with `members` who joined at `joined`."""
    async with factory() as session:
        club = await service.create_club(
            session,
            service.ClubDraft(
                name={"fi": "Perhekerho"},
                kind="family_club",
                address="Puijonkatu 1",
                languages=["fi"],
                capacity=50,
                timezone="Europe/Helsinki",
                first_date=FIRST,
                start_time=start,
                minutes=90,
                rule=weekly_rule(1),
                reminder_minutes=list(minutes),
            ),
        )
        users = [
            User(telegram_id=7000 + n, language="fi", timezone="Europe/Helsinki", role="parent")
            for n in range(members)
        ]
        session.add_all(users)
        await session.flush()
        for user in users:
            await service.join(session, club, user, "X")
        await session.execute(update(Membership).values(since=joined))
        await session.commit()
        return club.id, [user.id for user in users]


async def tick(factory: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with factory() as session:
        planned = await plan_reminders(session, Tick(now, QUIET))
        await session.commit()
        return planned


async def reminders(factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, int, str]]:
    """(user, minutes before, status) of every reminder row."""
    async with factory() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    return sorted((row.user_id, int(row.key.rsplit(":", 1)[1]), row.status) for row in rows)


async def test_steady_ticks_plan_each_reminder_once_and_keep_a_mark(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    _, [user] = await a_club(factory, 1, MEETING - timedelta(days=10), minutes=(120,))
    now = TWO_HOURS - timedelta(minutes=10)
    planned = [await tick(factory, now + n * EVERY) for n in range(20)]
    assert planned == [0] * 10 + [1] + [0] * 9  # once, when 15:00 came within five minutes
    assert await reminders(factory) == [(user, 120, "pending")]
    async with factory() as session:
        mark = (await session.execute(select(PlannerMark))).scalar_one()
    assert mark.planner == "reminders"
    assert mark.planned_until.replace(tzinfo=UTC) == now + 19 * EVERY + timedelta(minutes=5)


async def test_a_downtime_records_missed_reminders_once(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    _, users = await a_club(factory, 3, MEETING - timedelta(days=10))
    await tick(factory, MEETING - timedelta(hours=30))  # a day before the day-before reminder
    # Down from then until 20 minutes after the meeting began: none of its reminders can help.
    after = MEETING + timedelta(minutes=20)
    assert await tick(factory, after) == 0
    assert await reminders(factory) == sorted(
        [(user, 1440, "skipped") for user in users] + [(user, 120, "skipped") for user in users]
    )
    for n in range(1, 4):  # later ticks record nothing again
        assert await tick(factory, after + n * EVERY) == 0
    assert len(await reminders(factory)) == 6


async def test_a_restart_sends_late_what_can_still_help(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    _, [user] = await a_club(factory, 1, MEETING - timedelta(days=10))
    await tick(factory, MEETING - timedelta(hours=30))
    assert await tick(factory, MEETING - timedelta(hours=3)) == 1  # down over the day-before
    assert await reminders(factory) == [(user, 1440, "pending")]


async def test_a_member_who_joins_just_before_the_reminder_gets_it(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    club_id, [early] = await a_club(factory, 1, MEETING - timedelta(days=10), minutes=(120,))
    now = TWO_HOURS - timedelta(minutes=4)
    await tick(factory, now)  # plans up to 15:01, the two-hour reminder with it
    # Two people join after this tick, one before the reminder's time (15:00), one after it.
    async with factory() as session:
        late, later = (
            User(telegram_id=8001, language="fi", timezone="Europe/Helsinki"),
            User(telegram_id=8002, language="fi", timezone="Europe/Helsinki"),
        )
        session.add_all([late, later])
        await session.flush()
        club = await session.get(Club, club_id)
        assert club is not None
        for user, joined in (
            (late, now + timedelta(seconds=10)),
            (later, TWO_HOURS + timedelta(minutes=1)),
        ):
            await service.join(session, club, user, "Y")
            await session.execute(
                update(Membership).where(Membership.user_id == user.id).values(since=joined)
            )
        await session.commit()
    for n in range(1, 12):
        await tick(factory, now + n * EVERY)
    assert await reminders(factory) == [(early, 120, "pending"), (late.id, 120, "pending")]


async def test_reminders_held_back_by_the_quiet_hours_go_out_when_they_end(
    engine: AsyncEngine,
) -> None:
    factory = create_session_factory(engine)
    # Meets at 10:00 in Helsinki, reminded ten hours before: at midnight, so at 08:00.
    _, [user] = await a_club(factory, 1, MEETING - timedelta(days=10), time(10, 0), (600,))
    eight = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    await tick(factory, eight - timedelta(hours=1))
    assert await tick(factory, eight - timedelta(minutes=10)) == 0
    assert await tick(factory, eight - timedelta(minutes=4, seconds=30)) == 1
    async with factory() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.user_id == user and row.not_before.replace(tzinfo=UTC) == eight


async def test_a_meeting_moved_earlier_gets_the_reminders_still_useful(
    engine: AsyncEngine,
) -> None:
    factory = create_session_factory(engine)
    club_id, [user] = await a_club(factory, 1, MEETING - timedelta(days=10))
    now = MEETING - timedelta(hours=30)  # 11:00 in Helsinki the day before
    await tick(factory, now)
    async with factory() as session:
        club = await session.get(Club, club_id)
        assert club is not None
        # Tomorrow's meeting moves from 17:00 to 10:00: its day-before time is behind us.
        await service.change_meeting(
            session, club, "2026-12-01T17:00", now, datetime(2026, 12, 1, 10, 0)
        )
        await session.execute(update(ClubChange).values(created_at=now + timedelta(seconds=5)))
        await session.commit()
    assert await tick(factory, now + EVERY) == 1
    async with factory() as session:
        [row] = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.purpose == "reminder")
                )
            )
            .scalars()
            .all()
        )
    assert row.user_id == user and ":2026-12-01T17:00:20261201T0800:" in row.key
    assert row.key.endswith(":1440") and row.status == "pending"


async def test_a_clock_set_back_plans_again_from_the_look_back(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    _, [user] = await a_club(factory, 1, MEETING - timedelta(days=10), minutes=(120,))
    await tick(factory, MEETING + timedelta(days=3))  # a clock far ahead left its mark
    assert await tick(factory, TWO_HOURS) == 1
    assert await reminders(factory) == [(user, 120, "pending")]


async def test_two_planners_at_once_plan_once(database_url: str) -> None:
    """Two processes' ticks at the same moment, each with its own engine and connection."""
    from bot.db.migrate import upgrade

    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await upgrade(engines[0])
        factories = [create_session_factory(engine) for engine in engines]
        _, users = await a_club(factories[0], 30, MEETING - timedelta(days=10))
        await tick(factories[0], MEETING - timedelta(hours=30))
        now = MEETING - timedelta(hours=24, minutes=2)
        for n in range(3):
            first, second = await asyncio.gather(
                tick(factories[0], now + n * EVERY), tick(factories[1], now + n * EVERY)
            )
            assert first + second == (30 if n == 0 else 0)
        assert await reminders(factories[0]) == [(user, 1440, "pending") for user in users]
        async with factories[0]() as session:
            assert await outbox.counts(session, "reminder") == {"pending": 30}
    finally:
        for engine in engines:
            await engine.dispose()


async def everything_due(session: AsyncSession, now: datetime, found: dict[str, str]) -> None:
    """The planner as it was before it kept a mark: every meeting of the last day and every
    member, on every tick (into `found`: key -> the status its row would be stored with)."""
    clubs = (await session.execute(select(Club).where(Club.active.is_(True)))).scalars().all()
    for club in clubs:
        schedule = service.schedule_of(club, await service.changes_of(session, club.id))
        before = timedelta(minutes=max(club.reminder_minutes))
        meetings = schedule.meetings(now - timedelta(days=1), now + before + timedelta(minutes=5))
        members = await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.club_id == club.id,
                Membership.status == "member",
                Membership.reminders.is_(True),
                User.is_active.is_(True),
            )
        )
        for membership, user in members.all():
            joined = membership.since.replace(tzinfo=UTC)
            for meeting in meetings:
                for reminder in plan(
                    meeting.starts_at, club.reminder_minutes, user.timezone, QUIET
                ):
                    if reminder.send_at > now + timedelta(minutes=5) or reminder.send_at < joined:
                        continue
                    key = (
                        f"reminder:{club.id}:{meeting.key}:{meeting.starts_at:%Y%m%dT%H%M}:"
                        f"{user.id}:{reminder.minutes_before}"
                    )
                    found.setdefault(key, "skipped" if now > reminder.useful_until else "pending")


async def test_the_mark_plans_what_looking_at_everything_planned(engine: AsyncEngine) -> None:
    """Clubs in three time zones with morning, evening and odd reminders, members in five
    (quiet hours held), ticks from 30 seconds to three hours apart (downtimes), people joining
    between ticks, meetings cancelled and moved: the same reminders, with the same outcome."""
    factory = create_session_factory(engine)
    zones = ["Europe/Helsinki", "Asia/Kabul", "Asia/Tokyo", "America/New_York", "Europe/Oslo"]
    clubs = [
        ("Europe/Helsinki", time(8, 30), "FREQ=DAILY", [1440, 120]),
        ("Europe/Helsinki", time(17, 0), weekly_rule(1), [1440, 120]),
        ("Europe/Stockholm", time(9, 15), "FREQ=DAILY;INTERVAL=2", [600]),
        ("Europe/Stockholm", time(19, 45), "FREQ=WEEKLY;BYDAY=MO,TU,WE", [60, 30]),
        ("America/New_York", time(7, 0), "FREQ=DAILY", [1440, 120, 20]),
        ("America/New_York", time(12, 0), "FREQ=DAILY", [180]),
    ]
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    async with factory() as session:
        people = [
            User(telegram_id=6000 + n, language="fi", timezone=zones[n % 5]) for n in range(12)
        ]
        session.add_all(people)
        await session.flush()
        made = []
        for n, (zone, at, rule, minutes) in enumerate(clubs):
            made.append(
                await service.create_club(
                    session,
                    service.ClubDraft(
                        name={"fi": f"Kerho {n}"},
                        kind="family_club",
                        address="Katu 1",
                        languages=["fi"],
                        capacity=50,
                        timezone=zone,
                        first_date=date(2026, 1, 5) + timedelta(days=n),
                        start_time=at,
                        minutes=60,
                        rule=rule,
                        reminder_minutes=minutes,
                    ),
                )
            )
            for person in people[n % 3 : 9 : 2]:
                session.add(
                    Membership(
                        club_id=made[-1].id,
                        user_id=person.id,
                        status="member",
                        since=now - timedelta(days=30),
                    )
                )
        await session.commit()

    async def meanwhile(step: int, at: datetime) -> None:
        """Between two ticks: someone joins, a meeting is cancelled or moved."""
        async with factory() as session:
            if step % 5 == 4:  # one of the last three people joins a club
                club, person = made[step % 6], people[9 + step % 3]
                exists = await session.execute(
                    select(Membership).where(
                        Membership.club_id == club.id, Membership.user_id == person.id
                    )
                )
                if exists.scalar_one_or_none() is None:
                    session.add(
                        Membership(club_id=club.id, user_id=person.id, status="member", since=at)
                    )
            if step % 23 == 11:  # the next meeting of a club is moved two hours earlier or
                club = made[step % 6]  # cancelled
                [coming] = await service.upcoming(session, club, at + timedelta(hours=3), 1)
                local = coming.starts_at.astimezone(ZoneInfo(club.timezone)).replace(tzinfo=None)
                moved = None if step % 2 else local - timedelta(hours=2)
                try:
                    await service.change_meeting(session, club, coming.key, at, moved)
                except service.ClubError:
                    return
                await session.execute(
                    update(ClubChange)
                    .where(ClubChange.club_id == club.id, ClubChange.key == coming.key)
                    .values(created_at=at)
                )
            await session.commit()

    expected: dict[str, str] = {}
    gaps = [EVERY, EVERY, timedelta(minutes=7), EVERY, timedelta(minutes=45), EVERY]
    step = 0
    while now < datetime(2026, 12, 3, 3, 0, tzinfo=UTC):
        async with factory() as session:
            await everything_due(session, now, expected)
        await tick(factory, now)
        gap = timedelta(hours=3) if step % 40 == 39 else gaps[step % len(gaps)]
        await meanwhile(step, now + timedelta(seconds=5))  # just after the tick
        now += gap
        step += 1
    async with factory() as session:
        rows = await session.execute(
            select(OutboxMessage.key, OutboxMessage.status).where(
                OutboxMessage.purpose == "reminder"
            )
        )
        stored = dict(rows.all())
    assert len(stored) > 100 and "skipped" in stored.values()
    assert stored == expected

"""Clubs over the real bot: parents in three languages find a club and join it, the last one
waits; reminders arrive in each member's language at the right local time with working answer
buttons; the leader sees who is coming; a cancelled meeting is announced at once; a place freed
goes to the one waiting; the calendar file holds the rule and the exception."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.db.models import Club, Membership, OutboxMessage, Rsvp, User, utcnow
from bot.domain.clubs.schedule import weekly_rule
from bot.domain.flows.conversation_tests import plain
from bot.i18n.text import format_meeting
from bot.services.clubs import ClubDraft, create_club
from bot.simulator.server import SimulatorServer
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import eventually, tr, wait_for_user
from tests.e2e.test_onboarding import onboard

TUESDAY = weekly_rule(1)


def next_tuesday() -> date:
    """The first Tuesday at least two days away: its day-before reminder is still to come."""
    day = utcnow().date() + timedelta(days=2)
    return day + timedelta(days=(1 - day.weekday()) % 7)


async def make_club(bot: RunningBot, capacity: int = 2) -> Club:
    assert bot.app is not None
    async with bot.app.session_factory() as session:
        club = await create_club(
            session,
            ClubDraft(
                name={"fi": "Perhekerho", "ar": "نادي العائلة"},
                kind="family_club",
                address="Puijonkatu 1, Kuopio",
                languages=["fi", "ar", "so"],
                capacity=capacity,
                timezone="Europe/Helsinki",
                first_date=next_tuesday(),
                start_time=time(17, 0),
                minutes=90,
                rule=TUESDAY,
                latitude=62.8924,
                longitude=27.6770,
            ),
        )
        await session.commit()
        return club


async def open_club(chat: Any, language: str, name: str) -> None:
    await chat.reply_after(lambda: chat.send("/menu"))
    await chat.press(tr("Clubs and groups", language))
    await chat.wait_for(lambda c: any(name in b for b in c.buttons()), what=f"the club {name}")
    await chat.press(name)
    await chat.expect(tr("Next meetings:", language))


async def join_club(chat: Any, language: str, name: str) -> None:
    await open_club(chat, language, name)
    await chat.wait_for(lambda c: any(b.startswith("➕") for b in c.buttons()), what="Join")
    await chat.press("➕")  # Join, or Join the waiting list when the club is full


def texts(simulator: SimulatorServer, chat_id: int) -> list[str]:
    messages = simulator.world.chats[chat_id].messages.values()
    return [plain(m.get("text", "")) for m in messages if not m.get("outgoing")]


async def test_clubs_from_joining_to_reminders_answers_and_cancellation(
    running_bot_on: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    running_bot = running_bot_on  # SQLite and PostgreSQL
    app = running_bot.app
    assert app is not None
    await make_club(running_bot)
    people = {"fi": (8101, "Aino"), "ar": (8102, "Huda"), "so": (8103, "Hodan")}
    chats = {}
    for language, (telegram_id, name) in people.items():
        chat = await join(telegram_id, language, name)
        await onboard(chat, language, "Parent or family member")
        chats[language] = chat
    # A member in Kabul (the club meets in Helsinki time; the reminder shows Kabul's time).
    await wait_for_user(running_bot, 8102, language="ar")
    async with app.session_factory() as session:
        await session.execute(
            update(User).where(User.telegram_id == 8102).values(timezone="Asia/Kabul")
        )
        await session.commit()

    await join_club(chats["fi"], "fi", "Perhekerho")
    await chats["fi"].wait_for(
        lambda c: any(tr("You are a member.", "fi") in m.get("text", "") for m in c.bot_messages())
    )
    await join_club(chats["ar"], "ar", "نادي العائلة")
    await chats["ar"].wait_for(
        lambda c: any(tr("You are a member.", "ar") in m.get("text", "") for m in c.bot_messages())
    )
    await join_club(chats["so"], "so", "Perhekerho")  # no Somali name: the Finnish one
    await chats["so"].wait_for(
        lambda c: any(
            tr("You are on the waiting list. I will tell you when a place is free.", "so")
            in m.get("text", "")
            for m in c.bot_messages()
        ),
        what="the waiting list",
    )

    # The day before the first meeting, at 17:00 in Helsinki, reminders go out.
    first = datetime.combine(next_tuesday(), time(15, 0), tzinfo=UTC)  # 17:00 EET
    app.set_clock(lambda: first - timedelta(hours=24))
    await app.tick()
    for language, tz in (("fi", "Europe/Helsinki"), ("ar", "Asia/Kabul")):
        chat = chats[language]
        when = format_meeting(first, tz, language)
        await chat.expect(tr("Are you coming?", language))
        reminder = max(chat.bot_messages(), key=lambda m: m["message_id"])
        assert plain(when) in plain(reminder["text"]), f"{language}: {reminder['text']}"
    assert not any(tr("Are you coming?", "so") in t for t in texts(simulator, 8103))

    await chats["fi"].press(tr("I'm coming", "fi"))
    await chats["ar"].press(tr("I can't come", "ar"))

    async def answered() -> bool:
        async with app.session_factory() as session:
            return len((await session.execute(select(Rsvp))).scalars().all()) == 2

    await eventually(answered)

    # The coordinator (any coordinator manages every club) sees who is coming, and cancels.
    coordinator = await join(COORDINATOR_ID, "en", "Coordinator")
    await onboard(coordinator, "en", None)
    await open_club(coordinator, "en", "Perhekerho")
    await coordinator.press("👥 " + tr("Who is coming", "en"), exact=True)
    who = await coordinator.expect("✅")
    assert "Aino" in who["text"] and "Huda" in who["text"]
    await coordinator.press("✖ " + tr("Cancel a meeting", "en"), exact=True)
    await coordinator.expect(tr("Which meeting do you want to cancel?", "en"))
    await coordinator.press(format_meeting(first, "Europe/Helsinki", "en"))
    confirm = "✖ " + tr("Yes, cancel it", "en")
    await coordinator.wait_for(lambda c: confirm in c.buttons(), what="the confirmation")
    await coordinator.press(confirm, exact=True)
    await coordinator.expect("2")  # "... 2 members are being told."
    # An afternoon later (the messages of the programme keep out of the night's quiet hours).
    app.set_clock(lambda: first - timedelta(hours=23))
    await app.tick()
    cancelled = plain(tr("❗ {club}: the meeting on {when} is cancelled.", "fi").split("{")[0])
    await chats["fi"].wait_for(
        lambda c: any(
            "Perhekerho" in m.get("text", "") and "❗" in m.get("text", "")
            for m in c.bot_messages()
        ),
        what="the cancellation",
    )
    assert any(cancelled in t for t in texts(simulator, 8101)) or cancelled == ""

    # Aino leaves: Hodan, who waited, gets the place and is told in Somali.
    await open_club(chats["fi"], "fi", "Perhekerho")
    await chats["fi"].press("➖ " + tr("Leave the club", "fi"), exact=True)

    async def promoted() -> bool:
        async with app.session_factory() as session:
            rows = await session.execute(
                select(OutboxMessage).where(OutboxMessage.purpose == "club_place")
            )
            return rows.first() is not None

    await eventually(promoted)
    await app.tick()
    free = tr("🎉 A place in {club} is free for you: you are now a member.", "so").split("{")[0]
    await chats["so"].expect(free.strip()[:20])
    async with app.session_factory() as session:
        statuses = {
            m.display_name: m.status for m in (await session.execute(select(Membership))).scalars()
        }
    assert statuses == {"Aino": "left", "Huda": "member", "Hodan": "member"}

    # The calendar file: the weekly rule, and the cancelled meeting as an exception.
    await open_club(chats["ar"], "ar", "نادي العائلة")
    await chats["ar"].press("📅 " + tr("Add to my calendar", "ar"), exact=True)
    await chats["ar"].wait_for(
        lambda c: any("document" in m for m in c.bot_messages()), what="the calendar file"
    )
    document = next(m for m in chats["ar"].bot_messages() if "document" in m)["document"]
    ics = simulator.world.files[document["file_id"]].decode()
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in ics and "EXDATE" in ics and "TZID=Europe/Helsinki" in ics


async def test_a_coordinator_creates_a_club_with_the_wizard(
    running_bot: RunningBot, join: Any
) -> None:
    coordinator = await join(COORDINATOR_ID, "fi", "Koordinaattori")
    await onboard(coordinator, "fi", None)
    await coordinator.press(tr("Clubs and groups", "fi"))
    await coordinator.wait_for(lambda c: any(tr("New club", "fi") in b for b in c.buttons()))
    await coordinator.press(tr("New club", "fi"))

    async def step(expect: str, *, send: str | None = None, press: str | None = None) -> None:
        await coordinator.expect(tr(expect, "fi").split("{")[0][:30])
        if send is not None:
            await coordinator.send(send)
        if press is not None:
            await coordinator.wait_for(lambda c: any(press in b for b in c.buttons()))
            await coordinator.press(press)

    await step("New club, step 1 of 10. Write the club's name.", send="Läksykerho Puijo")
    await step("Step 2 of 10. What kind of club is it?", press=tr("Homework group", "fi"))
    await step("Step 3 of 10. Write the address where the club meets.", send="Puijon kirjasto")
    await step(
        "Step 4 of 10. Which languages are spoken at the club? Tap all that apply.",
        press="Suomi",
    )
    await coordinator.wait_for(lambda c: "☑ Suomi" in c.buttons())
    await coordinator.press("Українська")
    await coordinator.wait_for(lambda c: "☑ Українська" in c.buttons())
    await coordinator.press("✓ " + tr("Done", "fi"), exact=True)
    await step("Step 5 of 10. For children of which ages?", press="7–12")
    await step("Step 6 of 10. How many families can join at most? Write a number.", send="many")
    await step("Please write a number from 1 to 1000.", send="12")
    await step("Step 7 of 10. On which day of the week does it meet?", press="keskiviikko")
    await step("Step 8 of 10. At what time does it start? Write it like this: 17:00", send="15.30")
    await step("Step 9 of 10. How long is a meeting?", press="90")
    await step("How often does it meet?", press=tr("Every other week", "fi"))
    await coordinator.expect(tr("Step 10 of 10. When is the first meeting?", "fi"))
    first_date = next(b for b in coordinator.buttons() if "keskiviikko" in b)
    await coordinator.press(first_date)
    await step("Please check:", press=tr("Create the club", "fi"))
    created = tr("The club {club} is created. Parents can find it under Clubs and groups.", "fi")
    await coordinator.expect(created.split("{club}")[-1].strip()[:25])

    assert running_bot.app is not None
    clubs: list[Club] = []

    async def made() -> bool:
        async with running_bot.app.session_factory() as session:  # type: ignore[union-attr]
            clubs[:] = (await session.execute(select(Club))).scalars().all()
        return bool(clubs)

    await eventually(made)
    club = clubs[0]
    assert club.name == {"fi": "Läksykerho Puijo"} and club.kind == "homework_group"
    assert club.languages == ["fi", "uk"] and (club.age_min, club.age_max) == (7, 12)
    assert club.capacity == 12 and club.start_time == time(15, 30) and club.minutes == 90
    assert club.rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE" and club.first_date.weekday() == 2

    parent = await join(8201, "uk", "Olena")
    await onboard(parent, "uk", "Parent or family member")
    await open_club(parent, "uk", "Läksykerho Puijo")
    assert any(b.startswith("➕") for b in parent.buttons())
    assert not any(tr("New club", "uk") in b for b in parent.buttons())

    # The coordinator edits the size; the parent's page follows.
    await open_club(coordinator, "fi", "Läksykerho Puijo")
    await coordinator.press("✏ " + tr("Edit", "fi"), exact=True)
    await coordinator.wait_for(lambda c: "✏ " + tr("Size", "fi") in c.buttons())
    await coordinator.press("✏ " + tr("Size", "fi"), exact=True)
    await coordinator.expect(tr("Write the new size: how many families can join at most.", "fi"))
    await coordinator.send("30")
    await coordinator.expect(tr("Saved.", "fi"))

    async def resized() -> bool:
        async with running_bot.app.session_factory() as session:  # type: ignore[union-attr]
            return (await session.get(Club, club.id)).capacity == 30  # type: ignore[union-attr]

    await eventually(resized)


async def test_nearest_clubs_first_from_a_shared_location(
    running_bot: RunningBot, join: Any
) -> None:
    assert running_bot.app is not None
    near = await make_club(running_bot)  # in the centre of Kuopio
    async with running_bot.app.session_factory() as session:
        far = await create_club(
            session,
            ClubDraft(
                name={"fi": "Siilinjärven kerho"},
                kind="family_club",
                address="Siilinjärvi",
                languages=["ar"],
                capacity=10,
                timezone="Europe/Helsinki",
                first_date=next_tuesday(),
                start_time=time(17, 0),
                minutes=90,
                rule=TUESDAY,
                latitude=63.0750,
                longitude=27.6600,
            ),
        )
        await session.commit()
    chat = await join(8301, "ar", "Reem")
    await onboard(chat, "ar", "Parent or family member")
    await chat.press(tr("Clubs and groups", "ar"))
    # By language, the Arabic-only club might come first; by distance, the nearer one does.
    await chat.wait_for(lambda c: any(tr("Nearest first", "ar") in b for b in c.buttons()))
    await chat.press(tr("Nearest first", "ar"))
    await chat.expect(
        tr(
            "Send your location and I will show the nearest clubs first. I use it only for this and do not keep it.",
            "ar",
        )[:30]
    )
    await chat.send_media("location")  # the simulator's location: central Kuopio
    await chat.expect(tr("Clubs nearest to you first:", "ar"))
    labels = chat.buttons()
    assert len(labels) == 2
    assert near.name["ar"] in labels[0] and "Siilinjärven kerho" in labels[1]
    assert far.latitude is not None

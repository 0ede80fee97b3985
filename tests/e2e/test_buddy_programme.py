"""The whole buddy cycle over the real bot and the simulator: volunteers in Finnish and Arabic
sign up and finish the training, a coordinator approves them (one with the record extract's
date), families in Ukrainian and Arabic ask for a buddy, the batch matching proposes the pairs
with reasons in words, the coordinator approves one and picks the other by hand, both sides get
introductions in their own language, write to each other through the bot, share contact
details when both agree, get check-ins on schedule (the clock moved by hand), a "need help"
answer reaches the coordinator's inbox, and the family ends the buddy time and gets the
closing survey. Parents cannot press coordinators' buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import BuddyMatch, BuddyProfile, CheckIn, HandoffRequest, utcnow
from bot.simulator.client import SimChat
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import eventually, tr
from tests.e2e.test_onboarding import onboard

GENDER = (
    "Are you a woman or a man? We ask only because some families prefer a buddy of the same gender."
)
TRAINED = (
    "Well done: you finished the training. A coordinator will now look at your sign-up and "
    "contact you."
)
WAITING = "Thank you. When {name} agrees too, you both get each other's contact details."
END = "End the buddy time with {name}? It is nobody's fault. You both get a short survey."
ASKED = (
    "Thank you. A coordinator will look for a buddy who fits you. Nobody is told anything about "
    "you before a coordinator agrees. You will get a message here."
)


def head(message: str, language: str) -> str:
    """The longest part of the translation without placeholders: safe to look for in any
    language, wherever the translator put the values."""
    parts = re.split(r"\{\w+\}", tr(message, language))
    return max((part.strip() for part in parts), key=len)


async def newest(chat: SimChat, fragment: str, after: int, timeout: float = 10.0) -> dict[str, Any]:
    """The first bot message after event `after` that contains `fragment`."""
    found: list[dict[str, Any]] = []

    def seen(c: SimChat) -> bool:
        found[:] = [
            m for m in c.bot_messages() if m["seq"] > after and fragment in m.get("text", "")
        ]
        return bool(found)

    await chat.wait_for(seen, timeout, f"a new message with {fragment!r}")
    return found[0]


async def mark(chat: SimChat) -> int:
    await chat.poll()
    return chat.seq


async def tick_items(chat: SimChat, language: str, items: list[str]) -> None:
    """Tick checklist items (labels as shown) and press Done."""
    for item in items:
        label = tr(item, language)
        await chat.press(label)
        await chat.wait_for(lambda c, label=label: "☑ " + label in c.buttons(), what=label)
    await chat.press(tr("Done", language))


async def step(chat: SimChat, language: str, press: str, question: str) -> None:
    """Press a button, then wait for the next question."""
    after = await mark(chat)
    await chat.press(tr(press, language))
    await newest(chat, head(question, language), after)


async def sign_up(chat: SimChat, language: str, speaks: list[str], man: bool, alone: bool) -> None:
    """A volunteer signs up from "My buddy" and takes the training straight away."""
    after = await mark(chat)
    await chat.press(tr("My buddy", language))
    await newest(chat, head("You have not signed up as a buddy yet.", language), after)
    await step(chat, language, "Become a volunteer buddy", "Which languages do you speak well?")
    after = await mark(chat)
    await tick_items(chat, language, speaks)
    await newest(chat, head("Which languages can you also talk in a little?", language), after)
    after = await mark(chat)
    await chat.press(tr("Done", language))
    await newest(chat, head("In which town or district do you live?", language), after)
    after = await mark(chat)
    await chat.send("Petonen")
    await newest(chat, head("Who would you like to support?", language), after)
    await step(chat, language, "Families", "Which ages would you like to help?")
    after = await mark(chat)
    await tick_items(chat, language, ["Children 7 to 12"])
    await newest(chat, head("What would you like to help with?", language), after)
    after = await mark(chat)
    await tick_items(chat, language, ["School matters", "Public transport and services"])
    await newest(chat, head("When do you usually have time?", language), after)
    after = await mark(chat)
    await tick_items(chat, language, ["Weekends"])
    await newest(chat, head("How many families can you support at the same time?", language), after)
    await step(chat, language, "1", GENDER)
    await step(
        chat,
        language,
        "Man" if man else "Woman",
        "Will you meet children without their parents present?",
    )
    await step(
        chat, language, "Yes" if alone else "No", "Would you like to start the training now?"
    )
    await step(chat, language, "Start now", "Who can join the Red Cross after-school groups?")
    answers = [
        ("All children", "A parent asks you to call the school for them. What is the buddy way?"),
        ("Help them make the call", "How often do a buddy and a family usually meet?"),
        (
            "Once a week to twice a month",
            "Something about a child in your buddy family worries you. What do you do?",
        ),
        ("Tell the coordinator", "In which language do you talk with the family?"),
        ("A language we both know", "When can you and the family share phone numbers?"),
        ("When we both agree", "Who decides what the family needs?"),
        ("The family, with my help", TRAINED),
    ]
    for label, then in answers:
        await step(chat, language, label, then)


async def ask_for_buddy(chat: SimChat, language: str, speaks: str, man: bool) -> None:
    """A parent asks for a buddy from "My buddy"."""
    after = await mark(chat)
    await chat.press(tr("My buddy", language))
    await newest(
        chat,
        head(
            "You do not have a buddy yet. A buddy is a volunteer who helps your family.", language
        ),
        after,
    )
    await step(chat, language, "Ask for a buddy", "In which languages can you talk?")
    after = await mark(chat)
    await tick_items(chat, language, [speaks])
    await newest(chat, head("In which town or district do you live?", language), after)
    after = await mark(chat)
    await chat.send("Petonen")
    await newest(chat, head("How old are your children?", language), after)
    after = await mark(chat)
    await tick_items(chat, language, ["Children 7 to 12"])
    await newest(chat, head("What would you like help with?", language), after)
    after = await mark(chat)
    await tick_items(chat, language, ["School matters"])
    await newest(chat, head("When do you have time to meet?", language), after)
    after = await mark(chat)
    await tick_items(chat, language, ["Weekends"])
    await newest(chat, head("Would you prefer a buddy who is a woman or a man?", language), after)
    if man:
        await step(chat, language, "A man", "Is this a must?")
        await step(chat, language, "It would be nice", ASKED)
    else:
        await step(chat, language, "No preference", ASKED)


async def coordinator_presses(
    chat: SimChat, label: str, then: str, exact: bool = False
) -> dict[str, Any]:
    after = await mark(chat)
    await chat.press(label, exact=exact)
    return await newest(chat, then, after)


def day(number: int) -> datetime:
    """Ten in the morning (UTC) `number` days from today: outside everyone's quiet hours."""
    return datetime.combine(utcnow().date() + timedelta(days=number), time(10, 0), tzinfo=UTC)


async def test_the_whole_buddy_cycle(running_bot: RunningBot, join: Any) -> None:
    app = running_bot.app
    assert app is not None
    aino = await join(7101, "fi", "Aino")
    omar = await join(7102, "ar", "Omar")
    olena = await join(7103, "uk", "Olena")
    huda = await join(7104, "ar", "Huda")
    coordinator = await join(COORDINATOR_ID, "en", "Laura")
    for chat, language, role in (
        (aino, "fi", "Volunteer buddy"),
        (omar, "ar", "Volunteer buddy"),
        (olena, "uk", "Parent or family member"),
        (huda, "ar", "Parent or family member"),
    ):
        await onboard(chat, language, role)
    await onboard(coordinator, "en", None)

    await sign_up(aino, "fi", ["Suomi", "Українська"], man=False, alone=False)
    await sign_up(omar, "ar", ["العربية", "Suomi"], man=True, alone=True)
    await ask_for_buddy(olena, "uk", "Українська", man=False)
    await ask_for_buddy(huda, "ar", "العربية", man=True)

    # A parent pressing a forged coordinator button is refused, and nothing happens.
    last = max(m["message_id"] for m in huda.bot_messages())
    await huda.press_data(last, "ba:m:0:", forged=True)
    await huda.wait_for(lambda c: bool(c.toasts), what="the refusal")
    async with app.session_factory() as session:
        assert (await session.execute(select(BuddyMatch))).first() is None

    # The coordinator approves both volunteers; Omar meets children alone: the extract's date.
    await coordinator.send("/menu")
    await coordinator.wait_for(lambda c: any("Buddy programme" in b for b in c.buttons()))
    overview = await coordinator_presses(coordinator, "Buddy programme", "Volunteers to approve: 2")
    assert "Families waiting for a buddy: 2" in overview["text"]
    await coordinator_presses(coordinator, "Volunteers to approve", "Volunteers who finished")
    shown = await coordinator_presses(coordinator, "Aino", "Volunteer Aino")
    assert "Petonen" in shown["text"] and "Ukrainian" in shown["text"]
    await coordinator_presses(coordinator, "✅ Approve", "Aino is approved", exact=True)
    await coordinator_presses(coordinator, "Volunteers to approve", "Volunteers who finished")
    shown = await coordinator_presses(coordinator, "Omar", "Volunteer Omar")
    assert "criminal-record extract is needed" in shown["text"]
    await coordinator_presses(coordinator, "Extract seen today", "Omar is approved")

    async def both_approved() -> bool:
        async with app.session_factory() as session:
            found = (await session.execute(select(BuddyProfile))).scalars().all()
        statuses = {p.name: p.status for p in found}
        return statuses == {"Aino": "approved", "Omar": "approved"}

    await eventually(both_approved)
    async with app.session_factory() as session:
        profiles = (await session.execute(select(BuddyProfile))).scalars().all()
    assert [p.record_seen_on is not None for p in sorted(profiles, key=lambda p: p.id)] == [
        False,
        True,
    ]

    # The batch: Olena (Ukrainian) can only have Aino, Huda (Arabic) only Omar.
    await coordinator_presses(
        coordinator, "← Volunteers to approve", "No volunteers are waiting for approval."
    )
    await coordinator_presses(coordinator, "← Buddy programme", "Proposals to decide: 0")
    await coordinator_presses(coordinator, "Find buddies for waiting families", "New proposals: 2")
    shown = await coordinator_presses(coordinator, "Olena ↔ Aino", "Proposal #")
    assert "both speak Ukrainian" in shown["text"] and "same area (Petonen)" in shown["text"]
    assert "the buddy helps with school matters" in shown["text"].lower()
    assert "Nobody is told anything before you approve." in shown["text"]
    assert not [m for m in olena.bot_messages() if "🤝" in m.get("text", "")], "nobody told yet"
    await coordinator_presses(coordinator, "✅ Approve", "Olena and Aino are matched", exact=True)
    await coordinator_presses(coordinator, "← Proposals", "Proposals to decide: 1")
    await coordinator_presses(coordinator, "Huda ↔ Omar", "Proposal #")
    await coordinator_presses(coordinator, "Other candidates", "Buddies for Huda:")
    shown = await coordinator_presses(coordinator, "Choose Omar", "Proposal #")
    assert "a man, as the family wished" in shown["text"]
    await coordinator_presses(coordinator, "✅ Approve", "Huda and Omar are matched", exact=True)

    # Introductions, each in the reader's language.
    app.set_clock(lambda: day(1))
    await app.tick()
    intro = await olena.expect(head("🤝 Good news: you have a buddy! Your buddy is {name}.", "uk"))
    assert "Aino" in intro["text"] and head("✅ For the first meeting:", "uk") in intro["text"]
    intro = await aino.expect(head("🤝 You have a new family: {name}.", "fi"))
    assert "Olena" in intro["text"]
    await huda.expect(head("🤝 Good news: you have a buddy! Your buddy is {name}.", "ar"))
    await omar.expect(head("🤝 You have a new family: {name}.", "ar"))

    # Olena writes to Aino through the bot; nothing of hers but her first name is shown.
    after = await mark(olena)
    await olena.press(head("Write to {name}", "uk"))
    prompt = (
        "Write your message to {name}. I pass it on with your first name. Your phone number is "
        "not shown."
    )
    await newest(olena, head(prompt, "uk"), after)
    after = await mark(olena)
    await olena.send("Привіт! " * 500)  # longer than fits: nothing is cut, she is asked again
    too_long = "That is {length} characters; at most {max} fit. Please make it shorter."
    await newest(olena, head(too_long, "uk"), after)
    after = await mark(olena)
    await olena.send("Привіт, Aino! Can we meet on Saturday?")
    await newest(olena, head("✓ Sent to {name}.", "uk"), after)
    await app.tick()
    relayed = await aino.expect("Can we meet on Saturday?")
    assert "Olena" in relayed["text"] and "7103" not in relayed["text"]

    # Contact details: only when both agree.
    after = await mark(olena)
    await olena.press(head("Share my contact details", "uk"))
    await newest(olena, head(WAITING, "uk"), after)
    await app.tick()
    assert not any("tg://user" in str(m.get("reply_markup")) for m in aino.bot_messages())
    await aino.press(head("Share my contact details", "fi"))
    await eventually(lambda: _shared(app))
    await app.tick()
    contact = await olena.expect(head("📇 You and {name} agreed to share contact details.", "uk"))
    assert "tg://user?id=7101" in str(contact.get("reply_markup"))
    contact = await aino.expect(head("📇 You and {name} agreed to share contact details.", "fi"))
    assert "tg://user?id=7103" in str(contact.get("reply_markup"))

    # A week later the buddies get their check-in; Aino needs help and adds a note.
    app.set_clock(lambda: day(8))
    await app.tick()
    await aino.expect(head("👋 Did you meet {name} this week?", "fi"))
    await omar.expect(head("👋 Did you meet {name} this week?", "ar"))
    after = await mark(aino)
    await aino.press(tr("Met, need help", "fi"))
    await newest(
        aino,
        head("Thank you for telling us. A coordinator will write to you here soon.", "fi"),
        after,
    )
    after = await mark(aino)
    await aino.press(tr("Add a note", "fi"))
    await newest(aino, head("Write your note. Only the coordinators read it.", "fi"), after)
    after = await mark(aino)
    await aino.send("The school meeting is only in Finnish, Olena needs an interpreter.")
    await newest(aino, head("Thank you. Your note is saved.", "fi"), after)

    await coordinator.send("/menu")
    await coordinator.wait_for(lambda c: any("Requests for a person" in b for b in c.buttons()))
    await coordinator_presses(coordinator, "Requests for a person", "Requests for a person waiting")
    alert = await coordinator_presses(coordinator, "Aino", "Buddy match #")
    assert "Met, need help" in alert["text"] and "needs an interpreter" in alert["text"]

    # The family's monthly question.
    app.set_clock(lambda: day(31))
    await app.tick()
    await olena.expect(head("👋 How is it going with your buddy {name}?", "uk"))
    after = await mark(olena)
    await olena.press(tr("Good", "uk"), exact=False)
    await newest(olena, head("Thank you!", "uk"), after)

    async def both_answered() -> bool:
        async with app.session_factory() as session:
            given = {(c.who, c.answer) for c in (await session.execute(select(CheckIn))).scalars()}
        return {("buddy", "met_help"), ("family", "good")} <= given

    await eventually(both_answered)

    # Olena ends the buddy time; both get the closing survey, she can ask anew.
    after = await mark(olena)
    await olena.send("/menu")
    await olena.wait_for(lambda c: any(tr("My buddy", "uk") in b for b in c.buttons()))
    await olena.press(tr("My buddy", "uk"))
    await newest(olena, head("🤝 Your buddy time:", "uk"), after)
    after = await mark(olena)
    await olena.press(tr("End the buddy time", "uk"))
    await newest(olena, head(END, "uk"), after)
    await olena.press(tr("Yes, end it", "uk"))
    await eventually(lambda: _closed(app))
    question = await olena.expect(head(END, "uk"))
    await olena.wait_for(
        lambda c: not c.messages[question["message_id"]].get("reply_markup"),
        what="the question keeps its text and loses its buttons",
    )
    await app.tick()
    ended = await olena.expect(head("🏁 The buddy time with {name} has ended. Thank you!", "uk"))
    assert tr("Ask for a new buddy", "uk") in str(ended.get("reply_markup"))
    ended = await aino.expect(head("🏁 The buddy time with {name} has ended. Thank you!", "fi"))
    assert tr("Endings are nobody's fault.", "fi") in ended["text"]
    after = await mark(aino)
    await aino.press(tr("Answer the questions", "fi"))
    await newest(
        aino, tr("How much do the children feel they belong at their school?", "fi"), after
    )

    async with app.session_factory() as session:
        alerts = (
            (
                await session.execute(
                    select(HandoffRequest).where(HandoffRequest.topic == "buddy_alert")
                )
            )
            .scalars()
            .all()
        )
    # Aino's "need help", and Omar's check-ins of days 8 and 15 left unanswered in a row.
    assert sorted((a.context["name"], a.context["alert"]["reason"]) for a in alerts) == [
        ("Aino", "met_help"),
        ("Omar", "unanswered"),
    ]

    # Six months on, Huda and Omar are offered to end; Omar goes on, and nothing ends.
    app.set_clock(lambda: day(190))
    await app.tick()
    offer = await huda.expect(
        head("🌱 You and {name} have been buddies for {months} months.", "ar")
    )
    assert "Omar" in offer["text"]
    await omar.expect(head("🌱 You and {name} have been buddies for {months} months.", "ar"))
    after = await mark(omar)
    await omar.press(tr("Go on with the buddy time", "ar"))
    await newest(omar, tr("Good! The buddy time goes on.", "ar"), after)
    async with app.session_factory() as session:
        statuses = sorted((await session.execute(select(BuddyMatch.status))).scalars())
    assert statuses == ["active", "closed", "rejected"]


async def _shared(app: Any) -> bool:
    async with app.session_factory() as session:
        match = (
            (await session.execute(select(BuddyMatch).order_by(BuddyMatch.id))).scalars().first()
        )
    return bool(match and match.buddy_shares_contact and match.family_shares_contact)


async def _closed(app: Any) -> bool:
    async with app.session_factory() as session:
        rows = (await session.execute(select(BuddyMatch.status))).scalars().all()
    return "closed" in rows

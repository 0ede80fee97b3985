"""A request for a person travels from a parent's guide to the coordinators' inbox, and the
coordinator's answer back to the parent; parents cannot open the inbox."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import HandoffRequest, utcnow
from bot.services import audit
from bot.simulator.server import SimulatorServer
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import eventually, tr
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_school_enrolment import answer
from tests.e2e.test_wilma import open_wilma


async def test_a_request_for_a_person_is_answered_from_the_inbox(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    app = running_bot.app
    assert app is not None
    parent = await join(8401, "fa", "Zahra")
    await onboard(parent, "fa", "Parent or family member")
    await open_wilma(parent, "fa")
    await answer(parent, "Messages", "fa", "Anything else about Wilma?")
    await answer(
        parent,
        "I need help with Wilma",
        "fa",
        "Thank you. A community instructor or a coordinator will write to you here, in this chat.",
    )

    async def asked() -> bool:
        async with app.session_factory() as session:
            return (await session.execute(select(HandoffRequest))).first() is not None

    await eventually(asked)

    # A parent pressing a forged inbox button is refused politely.
    await parent.press_data(
        max(m["message_id"] for m in parent.bot_messages()), "ib:1:o", forged=True
    )
    await parent.wait_for(
        lambda c: (
            any(tr("This button is not for you.", "fa") in t.get("text", "") for t in c.toasts)
            or bool(c.toasts)
        ),
        what="the refusal",
    )

    coordinator = await join(COORDINATOR_ID, "en", "Laura")
    await onboard(coordinator, "en", None)
    await coordinator.press(tr("Requests for a person", "en"))
    await coordinator.expect(
        tr("Requests for a person waiting for an answer: {count}", "en").split("{")[0]
    )
    await coordinator.press("#1 Zahra")
    shown = await coordinator.expect("Request #1 from Zahra")
    assert "فارسی" in shown["text"] and tr("Using Wilma", "en") in shown["text"]
    assert "step person" in shown["text"], "the step where the parent asked"
    await coordinator.press("✋ " + tr("I'll take it", "en"), exact=True)
    await coordinator.wait_for(lambda c: "✉ " + tr("Answer", "en") in c.buttons())
    await coordinator.press("✉ " + tr("Answer", "en"), exact=True)
    await coordinator.expect("Write your answer to Zahra")
    await coordinator.send("Hello Zahra! I can help you with Wilma on Tuesday at 16:00.")
    await coordinator.expect(
        tr("Your answer is on its way. Close the request when it is settled.", "en")
    )

    daytime = datetime.combine(utcnow().date() + timedelta(days=1), time(10, 0), tzinfo=UTC)
    app.set_clock(lambda: daytime)
    await app.tick()
    received = await parent.expect("Hello Zahra! I can help you with Wilma on Tuesday at 16:00.")
    assert tr("💬 A message from the programme:", "fa") in received["text"]

    await coordinator.send("/menu")
    await coordinator.wait_for(
        lambda c: any(tr("Requests for a person", "en") in b for b in c.buttons())
    )
    await coordinator.press(tr("Requests for a person", "en"))
    await coordinator.expect(tr("No requests are waiting. Well done!", "en"))

    async with app.session_factory() as session:
        item = (await session.execute(select(HandoffRequest))).scalar_one()
    assert item.status == "answered" and item.context["name"] == "Zahra"

    # Zahra writes back: it goes to the coordinator who took the request, not "not understood".
    await parent.send("Thank you! Tuesday is fine.")
    await parent.expect(tr("Thank you. Your message has been passed on to the coordinator.", "fa"))

    async def reply_kept() -> bool:
        async with app.session_factory() as session:
            row = (await session.execute(select(HandoffRequest))).scalar_one()
        return bool(row.context.get("replies"))

    await eventually(reply_kept)
    await app.tick()
    await coordinator.expect("Thank you! Tuesday is fine.")
    await coordinator.reply_after(lambda: coordinator.send("/menu"))
    await coordinator.press(tr("Requests for a person", "en"))
    await coordinator.wait_for(
        lambda c: any("#1 Zahra" in b for b in c.buttons()), what="the request back in the inbox"
    )
    await coordinator.press("#1 Zahra")
    close = "✓ " + tr("Close", "en")
    await coordinator.wait_for(lambda c: close in c.buttons(), what="the request")
    await coordinator.press(close, exact=True)
    await coordinator.expect(tr("The request is closed.", "en"))

    # Once closed, a free text is just not understood again.
    reply = await parent.reply_after(lambda: parent.send("Hello?"))
    passed_on = tr("Thank you. Your message has been passed on to the coordinator.", "fa")
    assert passed_on not in reply["text"]

    async with app.session_factory() as session:
        actions = [entry.action for entry in reversed(await audit.latest(session))]
    assert actions == ["request_taken", "request_answered", "request_closed"], "audited"

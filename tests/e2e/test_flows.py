"""Guided conversations over the real stack: list, questions, typed answers, checklist, Back,
leaving and coming back after a restart, old buttons, deep links, hand-offs and follow-ups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import FollowUp, HandoffRequest
from bot.simulator.server import SimulatorServer
from tests.conftest import RunningBot, make_settings
from tests.e2e.helpers import eventually, tr, wait_for_user
from tests.e2e.test_onboarding import onboard
from tests.unit.flows.test_interpreter import MAIN, WILMA


async def stored(bot: RunningBot, model: Any) -> list[Any]:
    """Rows of a table once the bot has committed them (it commits after answering)."""
    rows: list[Any] = []

    async def present() -> bool:
        assert bot.app is not None
        async with bot.app.session_factory() as session:
            rows[:] = (await session.execute(select(model))).scalars().all()
        return bool(rows)

    await eventually(present)
    return rows


async def stored_texts(bot: RunningBot, model: Any) -> list[str]:
    return [row.text for row in await stored(bot, model)]


@pytest.fixture
async def guide_bot(simulator: SimulatorServer, tmp_path: Path) -> AsyncIterator[RunningBot]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main.yaml").write_text(MAIN, encoding="utf-8")
    (flows / "wilma.yaml").write_text(WILMA, encoding="utf-8")
    (flows / "broken.yaml").write_text("id: broken\nsteps: [\n", encoding="utf-8")
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        f"http://127.0.0.1:{simulator.port}",
        flows_dir=flows,
    )
    bot = RunningBot(settings)
    await bot.start()
    yield bot
    await bot.stop()


async def test_a_guide_from_start_to_end_with_a_restart(guide_bot: RunningBot, join: Any) -> None:
    chat = await join(51, "fi", "Aino")
    await onboard(chat, "fi", "Parent or family member")
    await chat.press(tr("Guides", "fi"))
    await chat.expect(tr("Which guide would you like?", "fi"))
    assert "Broken" not in " ".join(chat.buttons()), "a broken flow is refused, the others work"
    await chat.press("Main")
    first = await chat.expect(tr("How old is your child?", "fi"))  # shared with the real guide
    assert first["text"].startswith(tr("Step {number} of {total}", "fi").format(number=1, total=3))

    retry = await chat.reply_after(lambda: chat.send("twelve"))
    assert retry["text"] == "Write a number from 0 to 18."
    await chat.send("9")
    await chat.expect("Take these with you.")
    checklist = max(chat.bot_messages(), key=lambda m: m["message_id"])
    await chat.press("Passport")
    await chat.wait_for(lambda c: "☑ Passport" in " ".join(c.buttons()), what="the ticked item")
    assert (
        max(chat.bot_messages(), key=lambda m: m["message_id"])["message_id"]
        == checklist["message_id"]
    ), "ticking edits the checklist in place"
    await chat.press(tr("Done", "fi"))
    await chat.expect("Do you want help?")
    await chat.wait_for(
        lambda c: c.messages[checklist["message_id"]]["text"].endswith("☑ Passport"),
        what="the ticked items kept under the checklist",
    )

    # Leave, restart the bot, come back: the guide continues where it was.
    await wait_for_user(guide_bot, 51, language="fi")
    await guide_bot.stop()
    await guide_bot.start()
    await chat.send("/menu")
    await chat.wait_for(lambda c: tr("Guides", "fi") in " ".join(c.buttons()))
    await chat.press(tr("Guides", "fi"))
    resume = await chat.expect(tr("Continue", "fi") and "Main")
    assert (
        tr("You were at step {number} of {total} of “{title}”.", "fi").format(
            number=3, total=3, title="Main"
        )
        in resume["text"]
    )
    await chat.press(tr("Continue", "fi"))
    await chat.wait_for(lambda c: "Tell me about Wilma" in " ".join(c.buttons()))
    await chat.press("Tell me about Wilma")
    await chat.expect("You are ready.")
    answered = max(
        (m for m in chat.bot_messages() if "Do you want help?" in m.get("text", "")),
        key=lambda m: m["message_id"],
    )
    assert answered["text"].endswith("✓ Tell me about Wilma") and not answered.get(
        "reply_markup"
    ), "an answered question keeps the answer and loses its buttons"
    texts = [m.get("text", "") for m in chat.bot_messages()]
    assert "Wilma is the school's message system." in texts and "That was Wilma." in texts

    assert await stored_texts(guide_bot, FollowUp) == ["Did you find the documents?"]


async def test_back_old_buttons_handoff_and_deep_link(guide_bot: RunningBot, join: Any) -> None:
    chat = await join(52, "en", "Sam")
    await onboard(chat, "en", "Parent or family member")
    await chat.send("/start flow-main")
    first = await chat.expect("How old is your child?")
    await chat.send("4")
    await chat.expect("Early childhood education.")
    await chat.wait_for(lambda c: "← Back" in c.buttons())
    await chat.press("Back")
    await chat.wait_for(
        lambda c: sum("How old is your child?" in m.get("text", "") for m in c.bot_messages()) == 2
    )
    await chat.send("5")
    await chat.wait_for(lambda c: "Done" in " ".join(c.buttons()))
    # A button of the first question, pressed again now, is old: answered, nothing changes.
    toasts = len(chat.toasts)
    await chat.press_data(first["message_id"], f"gs:{1}:age:p:0")
    await chat.wait_for(lambda c: len(c.toasts) > toasts, what="the answer to an old button")
    await chat.press("Done")
    await chat.wait_for(lambda c: "Yes" in c.buttons())
    await chat.press("Yes")
    await chat.expect("Someone will write to you.")
    requests = await stored(guide_bot, HandoffRequest)
    await chat.send("/mydata")
    mydata = await chat.expect(tr("This is everything I keep about you:", "en"))
    assert "Guides: Main" in mydata["text"] and "Requests for a person: 1" in mydata["text"]
    assert [(r.topic, r.flow_id, r.context["answers"]["child_age"]) for r in requests] == [
        ("community_instructor", "main", 5)
    ]

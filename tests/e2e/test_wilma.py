"""The Wilma guide: its topic loop and the way to a person, in several languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import RunningBot
from tests.e2e.helpers import open_guide, tr
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_school_enrolment import answer

TOPIC = "What would you like to know?"
MORE = "Anything else about Wilma?"


async def open_wilma(chat: Any, language: str) -> None:
    await open_guide(chat, language, "Using Wilma", TOPIC)


@pytest.mark.parametrize("language", ["et", "fa"])
async def test_topics_loop_and_help(running_bot: RunningBot, join: Any, language: str) -> None:
    chat = await join(71 if language == "et" else 72, language, "Mari")
    await onboard(chat, language, "Parent or family member")
    await open_wilma(chat, language)
    await answer(chat, "How do I get Wilma?", language, MORE)
    texts = " ".join(m.get("text", "") for m in chat.bot_messages())
    assert "Suomi.fi" in texts
    await chat.press(tr("Yes", language))
    await chat.wait_for(
        lambda c: sum(tr(TOPIC, language) in m.get("text", "") for m in c.bot_messages()) == 2
    )
    await answer(chat, "Absences", language, MORE)
    await answer(
        chat,
        "I need help with Wilma",
        language,
        "Thank you. A community instructor or a coordinator will write to you here, in this chat.",
    )


async def test_messages_then_done(running_bot: RunningBot, join: Any) -> None:
    chat = await join(73, "en", "Tom")
    await onboard(chat, "en", "Parent or family member")
    await open_wilma(chat, "en")
    await answer(chat, "Messages", "en", MORE)
    await answer(
        chat, "No, thanks", "en", "You can come back to this guide at any time from the menu."
    )

"""The school-enrolment guide, every branch, in several languages, over the real stack."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from bot.db.models import FollowUp, utcnow
from tests.conftest import RunningBot
from tests.e2e.helpers import open_guide, tr
from tests.e2e.test_flows import stored
from tests.e2e.test_onboarding import onboard


async def answer(chat: Any, label: str, language: str, then: str) -> None:
    """Press the button `label` (translated) and wait for the message `then` (translated)."""
    await chat.wait_for(
        lambda c: any(tr(label, language) in b for b in c.buttons()), what=f"button {label!r}"
    )
    await chat.press(tr(label, language))
    await chat.expect(tr(then, language))


async def open_school_guide(chat: Any, language: str) -> None:
    await open_guide(chat, language, "Start school in Finland", "How old is your child?")


ECEC = "Children under 6 have the right to early childhood education (daycare) in your municipality. The fee depends on your family's income."
HELP = "Would you like a person to help you with this?"
REMIND = "Shall I remind you about this in 3 days?"
FOLLOW_UP = (
    'Did you contact the school or the education services? You can open the guide "Start '
    'school in Finland" again from the menu.'
)
DONE = "You are ready. You can come back to this guide at any time from the menu."
BUDDY = (
    "Would you like a volunteer buddy? A buddy helps your family with school, public transport "
    "and services, if possible in your language."
)


@pytest.mark.parametrize("language", ["fi", "so"])
async def test_under_six(running_bot: RunningBot, join: Any, language: str) -> None:
    chat = await join(61 if language == "fi" else 62, language, "Leila")
    await onboard(chat, language, "Parent or family member")
    await open_school_guide(chat, language)
    await answer(chat, "Under 6", language, ECEC)
    await chat.expect(tr(HELP, language))
    await answer(chat, "No, thanks", language, REMIND)
    await answer(chat, "No", language, BUDDY)
    await answer(chat, "No, thanks", language, DONE)


async def test_six_and_asking_for_a_person_in_arabic(running_bot: RunningBot, join: Any) -> None:
    chat = await join(63, "ar", "Huda")
    await onboard(chat, "ar", "Parent or family member")
    await open_school_guide(chat, "ar")
    await chat.press("6")
    await chat.expect(tr(HELP, "ar"))
    await answer(
        chat,
        "Yes, please",
        "ar",
        "Thank you. A community instructor or a coordinator will write to you here, in this chat.",
    )


@pytest.mark.parametrize(
    ("language", "speaks_finnish"), [("uk", "Not yet"), ("en", "Yes"), ("ckb", "I don't know")]
)
async def test_school_age_with_documents_and_reminder(
    running_bot: RunningBot, join: Any, language: str, speaks_finnish: str
) -> None:
    chat = await join({"uk": 64, "en": 65, "ckb": 66}[language], language, "Petro")
    await onboard(chat, language, "Parent or family member")
    await open_school_guide(chat, language)
    await answer(
        chat, "7 to 15", language, "Does your child speak Finnish well enough to study in Finnish?"
    )
    await chat.press(tr(speaks_finnish, language))
    await chat.expect(
        tr(
            "These papers can help at the first meeting. Ask the school which ones it needs.",
            language,
        )
    )
    await chat.wait_for(lambda c: any(tr("Vaccination record", language) in b for b in c.buttons()))
    await chat.press(tr("Vaccination record", language))
    await chat.wait_for(lambda c: "☑ " + tr("Vaccination record", language) in c.buttons())
    await answer(chat, "Done", language, HELP)
    await answer(chat, "No, thanks", language, REMIND)
    await answer(chat, "Yes", language, BUDDY)
    await answer(chat, "No, thanks", language, DONE)
    preparatory = tr(
        "Preparatory instruction helps children learn Finnish first, usually for one school year. "
        "In Kuopio, the city's coordinator for language and cultural groups arranges it and may "
        "test your child's language skills.",
        language,
    )
    texts = " ".join(m.get("text", "") for m in chat.bot_messages())
    assert (preparatory in texts) == (speaks_finnish != "Yes")

    # Three days later (at midday, outside the quiet hours) the reminder arrives, in the
    # parent's language, through the outbox.
    assert running_bot.app is not None
    later = datetime.combine(utcnow().date() + timedelta(days=4), time(10, 0), tzinfo=UTC)
    running_bot.app.set_clock(lambda: later)
    await stored(running_bot, FollowUp)  # the bot commits just after its answer
    await running_bot.app.tick()
    await chat.expect("🔔 " + tr(FOLLOW_UP, language).split("\n")[0][:40])


async def test_upper_secondary_with_studyinfo_link(running_bot: RunningBot, join: Any) -> None:
    chat = await join(67, "ru", "Irina")
    await onboard(chat, "ru", "Parent or family member")
    await open_school_guide(chat, "ru")
    await chat.press(tr("16 or 17", "ru"))
    await chat.wait_for(
        lambda c: any(
            m.get("reply_markup", {}).get("inline_keyboard", [[{}]])[0][0].get("url")
            for m in c.bot_messages()
        )
    )
    link = next(
        m
        for m in chat.bot_messages()
        if m.get("reply_markup", {}).get("inline_keyboard", [[{}]])[0][0].get("url")
    )
    assert link["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://opintopolku.fi/"
    await chat.expect(tr(HELP, "ru"))

"""A parent's first steps over the real aiogram stack and HTTP: language, consent, role, menu."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.i18n.bidi import FSI, PDI, RLM
from bot.simulator.server import SimulatorServer
from bot.telegram.menu import entries_for
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import load_user, tr, wait_for_user


async def onboard(chat: Any, language: str, role_label: str | None) -> None:
    """Go through /start, language, consent and (unless coordinator) role."""
    await chat.send("/start")
    await chat.expect(
        tr("Which language should I use? Tap your language.", chat.language_code or "en")
    )
    await chat.press(SUPPORTED_LANGUAGES[language].native_name)
    await chat.expect(tr("Do you agree?", language))
    await chat.press(tr("I agree", language))
    if role_label is not None:
        await chat.expect(tr("Who are you?", language))
        await chat.press(tr(role_label, language))
    await chat.expect(tr("Main menu. What would you like to do?", language))


async def test_arabic_app_gets_arabic_greeting_with_isolated_name(
    running_bot: RunningBot, join: Any
) -> None:
    chat = await join(11, "ar", "Sara")
    await chat.send("/start")
    hello = tr("Hello, {name}! I am Silta.", "ar")
    assert hello != "Hello, {name}! I am Silta.", "Arabic catalog must translate the greeting"
    message = await chat.expect(hello.split("{name}")[0].strip() or hello[:5])
    assert f"{FSI}Sara{PDI}" in message["text"], "a Latin name in Arabic text must be isolated"
    assert "✓ العربية" in chat.buttons()
    await wait_for_user(running_bot, 11, language="ar", language_confirmed=False)


async def test_language_choice_is_stored_and_used(running_bot: RunningBot, join: Any) -> None:
    chat = await join(12, "en", "Olga")
    await onboard(chat, "ru", "Parent or family member")

    await wait_for_user(running_bot, 12, language="ru", role="parent")
    await chat.send("/help")
    help_message = await chat.expect(
        tr("Tap the buttons under my messages. You can also send these commands:", "ru")
    )
    guides_line = tr(
        "In the main menu, {guides} takes you step by step, for example through starting "
        "school. You can stop at any time and go on later.",
        "ru",
    ).split("{guides}")[-1]
    assert guides_line.strip()[:20] in help_message["text"], "help tells parents about the guides"
    assert tr("Language", "ru") in " ".join(chat.buttons())


async def test_language_command_switches_language_any_time(
    running_bot: RunningBot, join: Any
) -> None:
    chat = await join(13, "fi", "Matti")
    await onboard(chat, "fi", "Volunteer buddy")
    await chat.send("/language")
    await chat.expect(tr("Which language should I use? Tap your language.", "fi"))
    await chat.press("فارسی")
    await chat.expect(tr("Main menu. What would you like to do?", "fa"))
    await chat.send("/mydata")
    text = (await chat.expect(tr("This is everything I keep about you:", "fa")))["text"]
    assert f"{FSI}13{PDI}" in text, "numbers in Persian text are isolated"
    assert all(line.startswith(RLM) or not line or _starts_rtl(line) for line in text.split("\n"))
    user = await load_user(running_bot, 13)
    assert user is not None and user.language == "fa" and user.role == "buddy"


def _starts_rtl(line: str) -> bool:
    from bot.i18n.bidi import first_strong_direction

    return first_strong_direction(line) == "rtl"


async def test_coordinator_skips_role_question_and_sees_figures(
    running_bot: RunningBot, join: Any
) -> None:
    parent = await join(14, "uk", "Iryna")
    await onboard(parent, "uk", "Parent or family member")
    coordinator = await join(COORDINATOR_ID, "sv", "Lena")
    await onboard(coordinator, "sv", None)
    assert f"📊 {tr('Programme figures', 'sv')}" in coordinator.buttons()
    figures = await coordinator.reply_after(
        lambda: coordinator.press(tr("Programme figures", "sv"))
    )
    assert "ukrainska 1" in figures["text"].replace(FSI, "").replace(PDI, "")


async def test_commands_and_descriptions_are_published_per_language(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    world = simulator.world
    for code in SUPPORTED_LANGUAGES:
        telegram_code = "ku" if code == "ckb" else code
        commands = world.commands[("default", telegram_code)]
        assert [c["command"] for c in commands] == [
            "start",
            "menu",
            "language",
            "help",
            "mydata",
            "delete",
            "stop",
        ]
        assert commands[1]["description"] == tr("Main menu", code)
        assert world.descriptions[("description", telegram_code)] == tr(
            "Silta helps families who are new in Finland to find their way into school and the community, in their own language. Press Start to begin.",
            code,
        )
    # A Finnish app user who chooses Somali sees the command menu in Somali in their chat.
    chat = await join(15, "fi", "Hodan")
    await onboard(chat, "so", "Parent or family member")
    shown = world.commands_for(15, "fi")
    assert shown[1]["description"] == tr("Main menu", "so")


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
async def test_every_language_onboards(running_bot: RunningBot, join: Any, language: str) -> None:
    chat = await join(100 + sorted(SUPPORTED_LANGUAGES).index(language), language, "Ali")
    await onboard(chat, language, "Parent or family member")
    labels = chat.buttons()
    assert len(labels) == len(entries_for(Role.PARENT)) and all(label.strip() for label in labels)

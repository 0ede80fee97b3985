"""Anything the bot does not understand gets a short answer in the user's language and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.simulator.server import MEDIA_SAMPLES
from tests.conftest import RunningBot
from tests.e2e.helpers import load_user, tr, wait_for_user
from tests.e2e.test_onboarding import onboard


async def snapshot(bot: RunningBot, telegram_id: int, chat: Any = None) -> dict[str, Any]:
    """The user's stored state; with `chat`, after a round trip, so every earlier update has
    committed (updates of one user are handled one at a time)."""
    if chat is not None:
        await chat.reply_after(lambda: chat.send("/help"))
    user = await load_user(bot, telegram_id)
    assert user is not None
    return {
        c: getattr(user, c)
        for c in ("language", "language_confirmed", "role", "consent_at", "is_active")
    }


@pytest.fixture
async def parent(running_bot: RunningBot, join: Any) -> Any:
    chat = await join(21, "uk", "Oksana")
    await onboard(chat, "uk", "Parent or family member")

    await wait_for_user(running_bot, 21, role="parent")
    return chat


@pytest.mark.parametrize("media", sorted(set(MEDIA_SAMPLES) - {"location"}))
async def test_media_gets_a_friendly_answer(
    running_bot: RunningBot, parent: Any, media: str
) -> None:
    before = await snapshot(running_bot, 21)
    reply = await parent.reply_after(lambda: parent.send_media(media))
    assert reply["text"] == tr(
        "Sorry, I cannot read stickers, photos, voice messages or files. Please use the buttons, or send /menu.",
        "uk",
    )
    assert await snapshot(running_bot, 21, parent) == before


async def test_a_location_shows_the_nearest_clubs_and_is_not_kept(
    running_bot: RunningBot, parent: Any
) -> None:
    before = await snapshot(running_bot, 21)
    reply = await parent.reply_after(lambda: parent.send_media("location"))
    assert reply["text"] == tr("There are no clubs in the bot yet. Please come back later.", "uk")
    assert await snapshot(running_bot, 21, parent) == before


async def test_ten_thousand_characters(running_bot: RunningBot, parent: Any) -> None:
    before = await snapshot(running_bot, 21)
    reply = await parent.reply_after(lambda: parent.send("ю" * 10_000))
    assert reply["text"] == tr(
        "Sorry, I did not understand that. Please use the buttons, or send /menu.", "uk"
    )
    assert await snapshot(running_bot, 21, parent) == before


async def test_unknown_command(running_bot: RunningBot, parent: Any) -> None:
    reply = await parent.reply_after(lambda: parent.send("/frobnicate now"))
    assert reply["text"] == tr(
        "I don't know that command. Send /menu for the main menu or /help for help.", "uk"
    )


async def test_stale_button_is_answered_and_current_step_shown(
    running_bot: RunningBot, parent: Any
) -> None:
    before = await snapshot(running_bot, 21)
    consent_message = next(
        m for m in parent.bot_messages() if tr("Do you agree?", "uk") in m.get("text", "")
    )
    # The consent note lost its buttons when answered; pressing its old data again is stale.
    reply = await parent.reply_after(
        lambda: parent.press_data(consent_message["message_id"], "consent:0")
    )
    assert reply["text"] == tr("Main menu. What would you like to do?", "uk")
    assert await snapshot(running_bot, 21, parent) == before


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "lang:xx",
        "role:coordinator",
        "role:",
        "menu:nonexistent",
        "delete:maybe",
        "x" * 64,
    ],
)
async def test_forged_buttons_change_nothing(
    running_bot: RunningBot, parent: Any, data: str
) -> None:
    before = await snapshot(running_bot, 21)
    menu = max(parent.bot_messages(), key=lambda m: m["message_id"])
    toasts = len(parent.toasts)
    await parent.press_data(menu["message_id"], data)
    await parent.wait_for(lambda chat: len(chat.toasts) > toasts, what="an answer to the press")
    assert await snapshot(running_bot, 21, parent) == before


async def test_forged_coordinator_button_is_refused(running_bot: RunningBot, parent: Any) -> None:
    menu = max(parent.bot_messages(), key=lambda m: m["message_id"])
    await parent.press_data(menu["message_id"], "menu:figures")
    await parent.wait_for(lambda chat: bool(chat.toasts), what="the refusal")
    assert parent.toasts[-1]["text"] == tr("Sorry, this is not available to you.", "uk")
    assert parent.toasts[-1]["show_alert"] is True
    assert not any(
        tr("Programme figures, {date}", "uk").split("{")[0] in m.get("text", "")
        for m in parent.bot_messages()
    )


async def test_stranger_without_start_is_told_to_start(running_bot: RunningBot, join: Any) -> None:
    chat = await join(22, "et", "Kati")
    reply = await chat.reply_after(lambda: chat.send_media("sticker"))
    assert tr("Send /start to begin.", "et") in reply["text"]
    await chat.reply_after(lambda: chat.send("/help"))
    assert await load_user(running_bot, 22) is None, "nothing is stored before /start"

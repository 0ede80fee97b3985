from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot


async def test_start_to_menu(running_bot: RunningBot, join: Any) -> None:
    chat = await join(1, "en", "Sara")
    await chat.send("/start")
    await chat.expect("Hello, Sara!")
    await chat.press("English")
    await chat.expect("Do you agree?")
    await chat.press("I agree")
    await chat.expect("Who are you?")
    await chat.press("Parent")
    await chat.expect("Main menu")
    print(chat.buttons())


async def test_debug(running_bot: RunningBot, join: Any) -> None:
    chat = await join(1, "en", "Sara")
    await chat.send("/start")
    await chat.expect("Hello, Sara!")
    await chat.press("English")
    await chat.expect("Do you agree?")
    await chat.press("I agree")
    await chat.expect("Who are you?")
    await chat.press("Parent")
    import asyncio

    await asyncio.sleep(2)
    await chat.poll()
    for m in sorted(chat.messages.values(), key=lambda m: m["seq"]):
        print(m["seq"], m["message_id"], m.get("text", "")[:60], m.get("reply_markup"))
    print(chat.toasts)

"""/mydata, /delete, blocking, restarts and API failures over the real stack."""

from __future__ import annotations

from typing import Any

from bot.simulator.server import SimulatorServer
from bot.simulator.world import Fault
from tests.conftest import RunningBot
from tests.e2e.helpers import load_user, tr, wait_for_user
from tests.e2e.test_onboarding import onboard


async def test_mydata_then_delete_after_confirmation(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    chat = await join(31, "et", "Mari")
    await onboard(chat, "et", "Volunteer buddy")
    await chat.send("/mydata")
    text = (await chat.expect(tr("This is everything I keep about you:", "et")))["text"]
    assert "31" in text and tr("volunteer buddy", "et") in text and "Europe/Helsinki" in text
    await chat.send("/delete")
    await chat.expect(
        tr("Do you want me to delete everything I keep about you? This cannot be undone.", "et")
    )
    await chat.press(tr("No, keep it", "et"))
    await chat.expect(tr("Nothing was deleted.", "et"))
    assert await load_user(running_bot, 31) is not None
    await chat.send("/delete")
    await chat.wait_for(lambda c: tr("Yes, delete everything", "et") in " ".join(c.buttons()))
    await chat.press(tr("Yes, delete everything", "et"))
    await chat.expect(
        tr(
            "Done. I have deleted everything I kept about you. Send /start if you want to begin again.",
            "et",
        )
    )
    assert await load_user(running_bot, 31) is None
    assert ("chat:31", "") not in simulator.world.commands, "the personal command list is gone too"
    await chat.send("/mydata")
    await chat.expect(tr("I keep nothing about you.", "et"))  # Telegram's guess again


async def test_restart_keeps_language_and_role(running_bot_on: RunningBot, join: Any) -> None:
    running_bot = running_bot_on
    chat = await join(32, "en", "Hamid")
    await onboard(chat, "ckb", "Parent or family member")

    await wait_for_user(running_bot, 32, role="parent")
    await running_bot.stop()
    await running_bot.start()
    await chat.send("/menu")
    await chat.wait_for(
        lambda c: c.last_text().endswith(tr("Main menu. What would you like to do?", "ckb"))
    )
    assert tr("Change my role", "ckb") in " ".join(chat.buttons())


async def test_blocking_marks_inactive_and_writing_again_reactivates(
    running_bot: RunningBot, join: Any
) -> None:
    chat = await join(33, "sv", "Nils")
    await onboard(chat, "sv", "Parent or family member")
    await chat.block(True)

    user = await wait_for_user(running_bot, 33, is_active=False)
    assert user.blocked_at is not None
    await chat.block(False)
    await chat.send("/menu")
    await chat.expect(tr("Main menu. What would you like to do?", "sv"))

    await wait_for_user(running_bot, 33, is_active=True, blocked_at=None)


async def test_403_on_reply_marks_user_inactive(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    chat = await join(34, "en", "Ana")
    await onboard(chat, "en", "Parent or family member")
    simulator.world.faults.append(Fault(status=403, method="sendMessage", chat_id=34))
    await chat.send("/help")

    await wait_for_user(running_bot, 34, is_active=False)


async def test_429_and_5xx_and_network_errors_are_retried(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    chat = await join(35, "en", "Bo")
    await onboard(chat, "en", "Parent or family member")
    world = simulator.world
    world.faults += [
        Fault(status=429, method="sendMessage", chat_id=35, retry_after=1),
        Fault(status=502, method="sendMessage", chat_id=35),
        Fault(status=500, method="sendMessage", chat_id=35, network=True),
    ]
    sends_before = sum(
        1 for method, params in world.calls if method == "sendMessage" and params["chat_id"] == 35
    )
    await chat.send("/help")
    await chat.expect(
        tr("Tap the buttons under my messages. You can also send these commands:", "en"), timeout=20
    )
    assert not world.faults, "every injected failure was hit"
    sends_after = sum(
        1 for method, params in world.calls if method == "sendMessage" and params["chat_id"] == 35
    )
    assert sends_after - sends_before == 4, "three failed attempts and one success"
    help_messages = [
        m for m in chat.bot_messages() if m.get("text", "").startswith(tr("I am Silta.", "en")[:10])
    ]
    assert len(help_messages) == 1, "the reply arrives exactly once"

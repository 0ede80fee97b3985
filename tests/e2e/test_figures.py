"""Programme figures in the chat: a coordinator opens them from the menu or with /stats, gets
the charts as pictures and the CSV file; a parent's /stats and forged buttons are refused."""

from __future__ import annotations

from typing import Any

from bot.simulator.server import SimulatorServer
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import tr
from tests.e2e.test_onboarding import onboard


async def test_coordinator_figures_charts_and_csv(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    parent = await join(14, "uk", "Iryna")
    await onboard(parent, "uk", "Parent or family member")
    coordinator = await join(COORDINATOR_ID, "sv", "Lena")
    await onboard(coordinator, "sv", None)

    assert f"📊 {tr('Programme figures', 'sv')}" in coordinator.buttons()
    shown = await coordinator.reply_after(lambda: coordinator.press(tr("Programme figures", "sv")))
    assert tr("People: {count}", "sv").format(count=2) in shown["text"]
    assert "ukrainska 1" in shown["text"], "languages are named in the reader's language"

    again = await coordinator.reply_after(lambda: coordinator.send("/stats"))
    assert tr("People: {count}", "sv").format(count=2) in again["text"]

    pictures = await coordinator.reply_after(lambda: coordinator.press(tr("Charts", "sv")))
    assert pictures.get("caption") == tr("Programme figures as charts.", "sv")
    file_id = pictures["photo"][0]["file_id"]
    assert simulator.world.files[file_id].startswith(b"\x89PNG")
    assert pictures["photo"][0]["width"] > 500

    document = await coordinator.reply_after(
        lambda: coordinator.press(tr("Spreadsheet (CSV)", "sv"))
    )
    content = simulator.world.files[document["document"]["file_id"]].decode("utf-8-sig")
    assert content.splitlines()[0] == "section,item,detail,value"
    assert "people,parent,uk,1" in content

    # A parent cannot see them, by command or by a forged button.
    refused = await parent.reply_after(lambda: parent.send("/stats"))
    assert refused["text"] == tr("Sorry, this is not available to you.", "uk")
    last = max(m["message_id"] for m in parent.bot_messages())
    await parent.press_data(last, "fg:csv", forged=True)
    await parent.wait_for(lambda chat: bool(chat.toasts), what="the refusal")
    assert parent.toasts[-1]["text"] == tr("Sorry, this is not available to you.", "uk")
    assert not any("document" in m for m in parent.bot_messages())

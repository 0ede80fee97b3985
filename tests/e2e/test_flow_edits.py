"""Editing a flow file does not break conversations under way: they finish on the definition
they started on (kept in the database), while new conversations get the edited one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import FlowDefinition
from bot.simulator.server import SimulatorServer
from tests.conftest import RunningBot, make_settings
from tests.e2e.test_onboarding import onboard

BEFORE = """\
id: edited
version: 1
title: Edited guide
audience: parent
sources: [https://example.org/source]
start: first
steps:
  first:
    ask: First question?
    choices:
      - {label: Go on, next: second}
  second:
    ask: Second question?
    choices:
      - {label: Finish, next: done}
  done:
    end: Finished on version 1.
"""

# The editor renames the second step, rewords it and changes the end.
AFTER = """\
id: edited
version: 2
title: Edited guide
audience: parent
sources: [https://example.org/source]
start: first
steps:
  first:
    ask: First question?
    choices:
      - {label: Go on, next: another}
  another:
    ask: Another question?
    choices:
      - {label: Finish, next: done}
  done:
    end: Finished on version 2.
"""


@pytest.fixture
async def edit_bot(
    simulator: SimulatorServer, database_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "edited.yaml").write_text(BEFORE, encoding="utf-8")
    settings = make_settings(database_url, f"http://127.0.0.1:{simulator.port}", flows_dir=flows)
    bot = RunningBot(settings)
    await bot.start()
    yield bot
    await bot.stop()


async def test_an_edited_flow_lets_conversations_under_way_finish(
    edit_bot: RunningBot, join: Any
) -> None:
    early = await join(81, "en", "Early")
    await onboard(early, "en", "Parent or family member")
    await early.send("/start flow-edited")
    await early.expect("First question?")
    await early.press("Go on")
    await early.expect("Second question?")

    # The editor changes the file; the bot restarts and loads the new version.
    (edit_bot.settings.flows_dir / "edited.yaml").write_text(AFTER, encoding="utf-8")
    await edit_bot.stop()
    await edit_bot.start()

    # Coming back through the menu: the conversation is where it was, on version 1.
    await early.send("/menu")
    await early.press("Guides")
    await early.expect("You were at step 2 of 2 of “Edited guide”.")
    await early.press("Continue")
    await early.wait_for(
        lambda chat: sum("Second question?" in m.get("text", "") for m in chat.bot_messages()) == 2,
        what="the second question shown again",
    )
    await early.press("Finish")
    await early.expect("Finished on version 1.")

    # Someone starting now gets the edited flow.
    late = await join(82, "en", "Late")
    await onboard(late, "en", "Parent or family member")
    await late.send("/start flow-edited")
    await late.expect("First question?")
    await late.press("Go on")
    await late.expect("Another question?")
    await late.press("Finish")
    await late.expect("Finished on version 2.")

    assert edit_bot.app is not None
    async with edit_bot.app.session_factory() as session:
        kept = (await session.execute(select(FlowDefinition))).scalars().all()
    assert sorted((row.flow_id, row.version) for row in kept) == [("edited", 1), ("edited", 2)]


async def test_an_old_button_after_an_edit_still_answers_its_question(
    edit_bot: RunningBot, join: Any
) -> None:
    chat = await join(83, "en", "Old")
    await onboard(chat, "en", "Parent or family member")
    await chat.send("/start flow-edited")
    await chat.expect("First question?")
    await chat.press("Go on")
    await chat.expect("Second question?")
    (edit_bot.settings.flows_dir / "edited.yaml").write_text(AFTER, encoding="utf-8")
    await edit_bot.stop()
    await edit_bot.start()
    await chat.press("Finish")  # on the message sent before the edit
    await chat.expect("Finished on version 1.")

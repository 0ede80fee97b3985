"""Announcements end to end: a coordinator composes one in the bot for 500 parents in all ten
languages and the simulator answers with 429s, 5xx errors and blocked users; everyone reachable
and not muted gets exactly one message in their own language (or the version they get instead),
within Telegram's limits, while the coordinator's progress message is edited in place into
the final report. Also: /stop, stopping an announcement mid-way, forged buttons, and the
buddy programme's segment "families waiting for a buddy"."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.db.models import Broadcast, BuddyMatch, BuddyRequest, User, utcnow
from bot.delivery import outbox
from bot.domain.flows.conversation_tests import plain
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.services import audit
from bot.simulator.server import SimulatorServer
from bot.simulator.world import Fault
from tests.conftest import COORDINATOR_ID, RunningBot, make_settings
from tests.e2e.announcements import EN, body, compose
from tests.e2e.helpers import eventually, tr
from tests.e2e.people import add_people
from tests.e2e.test_onboarding import onboard

LANGUAGES = list(SUPPORTED_LANGUAGES)


@pytest.fixture
async def quiet_free_bot(simulator: SimulatorServer, database_url: str) -> Any:
    """The bot with its scheduler on both databases, without quiet hours (the test runs at
    any hour of the day)."""
    bot = RunningBot(
        make_settings(database_url, f"http://127.0.0.1:{simulator.port}", quiet_hours="off")
    )
    await bot.start()
    yield bot
    await bot.stop()


def texts_in(simulator: SimulatorServer, chat_id: int) -> list[str]:
    chat = simulator.world.chats.get(chat_id)
    if chat is None:
        return []
    return [plain(m.get("text", "")) for m in chat.messages.values() if not m.get("outgoing")]


def announcement_for(code: str, version: str) -> str:
    return plain(
        "\n\n".join(
            [
                "📢 " + tr("Announcement from the programme", code),
                body(version),
                tr("/stop: no more announcements", code),
            ]
        )
    )


async def test_an_announcement_reaches_500_parents_once_each_in_their_language(
    quiet_free_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    app = quiet_free_bot.app
    assert app is not None
    world = simulator.world
    parents = await add_people(app.session_factory, simulator, list(range(20000, 20500)), LANGUAGES)
    buddies = await add_people(
        app.session_factory, simulator, list(range(21000, 21010)), ["fi"], role="buddy"
    )
    muted = [20000 + n for n in range(3, 500, 100)]  # 5 parents turned announcements off
    blocked = [20000 + n for n in range(7, 500, 100)]  # 5 parents blocked the bot in Telegram
    gone = 20011  # a parent whose chat no longer exists
    async with app.session_factory() as session:
        await session.execute(
            update(User).where(User.telegram_id.in_(muted)).values(muted_at=utcnow())
        )
        await session.commit()
    for telegram_id in blocked:
        world.users[telegram_id].blocked_bot = True
    del world.users[gone]

    coordinator = await join(COORDINATOR_ID, EN, "Laura")
    await onboard(coordinator, EN, None)
    summary = await compose(coordinator, skip=frozenset({"ckb"}))
    assert tr("It reaches {count} people.", EN).format(count=495) in summary["text"]
    assert "Central Kurdish 50: the text in English" in summary["text"]
    assert "Arabic 50: their own text" in summary["text"]

    # Preview: each language exactly as its readers see it.
    seen = await coordinator.reply_after(lambda: coordinator.press(tr("Preview", EN)))
    assert tr("Announcement from the programme", "ar") in seen["text"]
    assert body("ar") in seen["text"]
    seen = await coordinator.reply_after(lambda: coordinator.press("Soomaali"))
    assert body("so") in seen["text"]
    assert tr("Announcement from the programme", "so") in seen["text"]
    seen = await coordinator.reply_after(lambda: coordinator.press("کوردی"))
    assert body(EN) in seen["text"], "Sorani readers get the English text"
    await coordinator.reply_after(lambda: coordinator.press(tr("Back", EN)))

    world.faults += [
        Fault(status=429, method="sendMessage", retry_after=1, times=2),
        Fault(status=502, method="sendMessage", times=3),
        Fault(status=500, method="sendMessage", network=True),
    ]
    world.random_faults = {500: 0.02}
    # Telegram's bulk limits hold from here: the sender's pace is what is tested (a person
    # chatting with the bot may see two quick replies, as Telegram allows).
    world.send_limits = (30, 1)
    sent_before = len(world.sends)
    progress = await coordinator.reply_after(lambda: coordinator.press("Send to 495 people"))
    assert tr("Sending the announcement: {done} of {total}", EN).split("{")[0] in progress["text"]
    done = tr("Announcement #{number} has finished: delivered to {count} of {total}.", EN)
    await coordinator.expect(done.split("{")[0], timeout=120)
    world.random_faults = {}

    # Everyone reachable got exactly one message, in their language or the one instead.
    got = Counter(chat for _, chat in world.sends[sent_before:])
    for telegram_id, person in parents.items():
        expected = 0 if telegram_id in muted or telegram_id in blocked or telegram_id == gone else 1
        assert got[telegram_id] == expected, telegram_id
        if expected:
            version = EN if person.language == "ckb" else person.language
            assert texts_in(simulator, telegram_id) == [
                announcement_for(person.language, version)
            ], f"{telegram_id} ({person.language})"
    for telegram_id in buddies:
        assert texts_in(simulator, telegram_id) == [], "buddies were not in the audience"
    assert world.limit_breaches == []

    # The progress message was edited in place, then turned into the report.
    progress_texts = [text for chat, mid, text in world.edits if mid == progress["message_id"]]
    counting = [t for t in progress_texts if "Sending the announcement" in t]
    assert len(set(counting)) >= 3, "progress was shown while sending"
    report = plain(progress_texts[-1])
    for line in [
        "The announcement has gone out.",
        "Delivered to 489 of 495 people.",
        "Blocked the bot: 5",
        "Could not be delivered: 1",
        "Bad Request: chat not found: 1",
    ]:
        assert plain(line) in report, line

    async with app.session_factory() as session:
        item = (await session.execute(select(Broadcast))).scalar_one()
        assert item.status == "done" and item.total == 495
        counts = await outbox.counts(session, batch=f"broadcast:{item.id}")
        assert counts == {"sent": 489, "blocked": 5, "failed": 1}
        actions = [entry.action for entry in await audit.latest(session)]
        assert "broadcast_sent" in actions


async def test_stop_forged_buttons_and_stopping_midway(
    simulator: SimulatorServer, join: Any, tmp_path: Path
) -> None:
    bot = RunningBot(
        make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            f"http://127.0.0.1:{simulator.port}",
            quiet_hours="off",
            send_rate=10,
        )
    )
    app = await bot.start()
    try:
        world = simulator.world
        await add_people(app.session_factory, simulator, list(range(22000, 22200)), ["uk", "ru"])
        parent = await join(22500, "so", "Hodan")
        await onboard(parent, "so", "Parent or family member")
        await parent.reply_after(lambda: parent.send("/stop"))
        await parent.expect(tr("You will get no more announcements.", "so"))
        mine = await parent.reply_after(lambda: parent.send("/mydata"))
        assert tr("Announcements are off.", "so") in mine["text"], "/mydata shows the setting"

        coordinator = await join(COORDINATOR_ID, EN, "Laura")
        await onboard(coordinator, EN, None)
        summary = await compose(coordinator)
        assert "1 person turned announcements off and is left out." in summary["text"]
        async with app.session_factory() as session:
            draft = (await session.execute(select(Broadcast))).scalar_one()

        # A parent forging the send button is refused, and nothing is sent.
        last = max(m["message_id"] for m in parent.bot_messages())
        await parent.press_data(last, f"bc:{draft.id}:go:", forged=True)
        await parent.wait_for(lambda c: bool(c.toasts), what="the refusal")
        assert tr("Sorry, this is not available to you.", "so") in parent.toasts[-1].get("text", "")
        async with app.session_factory() as session:
            assert (await session.get(Broadcast, draft.id)).status == "draft"  # type: ignore[union-attr]

        progress = await coordinator.reply_after(lambda: coordinator.press("Send to 200 people"))
        await eventually(lambda: _sent_at_least(world, 20, range(22000, 22200)), timeout=30)
        await coordinator.reply_after(lambda: coordinator.press(tr("Stop sending", EN)))
        await coordinator.reply_after(lambda: coordinator.press(tr("Yes, stop", EN)))
        await coordinator.expect(tr("The announcement was stopped.", EN), timeout=30)
        async with app.session_factory() as session:
            counts = await outbox.counts(session, batch=f"broadcast:{draft.id}")
        assert counts.get("skipped", 0) > 100, counts
        assert set(counts) <= {"sent", "skipped"}
        received = Counter(chat for _, chat in world.sends if 22000 <= chat < 22200)
        assert max(received.values()) == 1 and len(received) == counts["sent"]
        assert not any("Family day" in text for text in texts_in(simulator, 22500)), (
            "a muted parent gets no announcement"
        )
        final = [text for _, mid, text in world.edits if mid == progress["message_id"]][-1]
        assert plain(tr("The announcement was stopped.", EN)) in plain(final)

        # Announcements back on from the menu.
        await parent.reply_after(lambda: parent.send("/menu"))
        await parent.reply_after(lambda: parent.press(tr("Announcements", "so")))
        await parent.reply_after(lambda: parent.press(tr("Turn announcements on", "so")))
        await parent.expect(tr("Announcements are on again.", "so"))
    finally:
        await bot.stop()


async def _sent_at_least(world: Any, count: int, chats: range) -> bool:
    return sum(1 for _, chat in world.sends if chat in chats) >= count


async def test_an_announcement_to_families_waiting_for_a_buddy(
    running_bot: RunningBot, simulator: SimulatorServer, join: Any
) -> None:
    """The buddy programme's segment in the wizard: the reach counts exactly the families whose
    request waits (or has a proposal being decided), and the summary names the choice."""
    app = running_bot.app
    assert app is not None
    families = await add_people(app.session_factory, simulator, list(range(23000, 23006)), [EN])
    (buddy,) = (
        await add_people(app.session_factory, simulator, [23100], [EN], role="buddy")
    ).values()
    async with app.session_factory() as session:
        statuses = ["waiting", "waiting", "proposed", "matched", "closed", "withdrawn"]
        requests = [
            BuddyRequest(user_id=family.id, status=status)
            for family, status in zip(families.values(), statuses, strict=True)
        ]
        session.add_all(requests)
        await session.flush()
        session.add(
            BuddyMatch(
                request_id=requests[3].id,
                buddy_id=buddy.id,
                family_id=requests[3].user_id,
                status="active",
            )
        )
        await session.commit()

    coordinator = await join(COORDINATOR_ID, EN, "Laura")
    await onboard(coordinator, EN, None)
    await coordinator.press(tr("Send an announcement", EN))
    await coordinator.expect(tr("New announcement. Who should get it?", EN))
    choices = await coordinator.reply_after(lambda: coordinator.press(tr("Buddy programme", EN)))
    assert tr("Who in the buddy programme?", EN) in choices["text"]
    waiting = tr("Families waiting for a buddy", EN)
    chosen = await coordinator.reply_after(lambda: coordinator.press(waiting))
    assert tr("It reaches {count} people.", EN).format(count=3) in chosen["text"]
    assert f"✅ {waiting}" in coordinator.buttons()
    matched = await coordinator.reply_after(lambda: coordinator.press(tr("In a buddy match", EN)))
    assert tr("It reaches {count} people.", EN).format(count=5) in matched["text"], (
        "the family and the buddy of the active match join"
    )
    await coordinator.reply_after(lambda: coordinator.press(tr("In a buddy match", EN)))
    await coordinator.reply_after(lambda: coordinator.press(tr("Back", EN)))
    await coordinator.reply_after(lambda: coordinator.press(tr("Write the message", EN)))
    await coordinator.reply_after(lambda: coordinator.send(body(EN)))
    summary = await coordinator.reply_after(lambda: coordinator.press("English"))
    assert tr("Ready to send.", EN) in summary["text"]
    assert tr("Audience: {audience}", EN).format(audience=waiting) in summary["text"]
    assert any("Send to 3 people" in label for label in coordinator.buttons())

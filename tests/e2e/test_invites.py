"""One-time invite links: a coordinator invites a buddy and another coordinator; the link works
once, after language and consent; a parent cannot make invites."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.models import Invite
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import eventually, tr, wait_for_user
from tests.e2e.test_onboarding import onboard


async def make_invite(coordinator: Any, role_label: str) -> str:
    await coordinator.reply_after(lambda: coordinator.send("/menu"))
    await coordinator.press(tr("Invite a person", "en"))
    await coordinator.wait_for(lambda c: role_label in c.buttons(), what="the role buttons")
    shown = await coordinator.reply_after(lambda: coordinator.press(role_label, exact=True))
    assert "https://t.me/" in shown["text"]
    link = shown["text"].split("https://t.me/")[1].strip()
    return link.split("?start=")[1]


async def stored(bot: RunningBot, code: str) -> None:
    """Wait for the invite's commit: the bot shows the link just before it commits, and a
    test is faster than any person passing the link on."""
    assert bot.app is not None
    app = bot.app

    async def found() -> bool:
        async with app.session_factory() as session:
            row = await session.execute(
                select(Invite).where(Invite.code == code.removeprefix("inv-"))
            )
            return row.first() is not None

    await eventually(found)


async def follow(chat: Any, code: str, language: str) -> None:
    await chat.send(f"/start {code}")
    await chat.expect(tr("Which language should I use? Tap your language.", chat.language_code))
    await chat.press(SUPPORTED_LANGUAGES[language].native_name)
    await chat.expect(tr("Do you agree?", language))
    await chat.press(tr("I agree", language))


async def test_invites_for_a_buddy_and_a_coordinator(running_bot: RunningBot, join: Any) -> None:
    coordinator = await join(COORDINATOR_ID, "en", "Laura")
    await onboard(coordinator, "en", None)
    with_role = {Role.BUDDY: tr("volunteer buddy", "en"), Role.COORDINATOR: tr("coordinator", "en")}

    buddy_code = await make_invite(coordinator, with_role[Role.BUDDY])
    await stored(running_bot, buddy_code)
    buddy = await join(8501, "so", "Abdi")
    await follow(buddy, buddy_code, "so")
    await buddy.expect(tr("Main menu. What would you like to do?", "so"))
    await wait_for_user(running_bot, 8501, role="buddy")
    assert not any(tr("Who are you?", "so") in m.get("text", "") for m in buddy.bot_messages())
    # A new volunteer is offered the sign-up straight away.
    offer = await buddy.expect(tr("You have not signed up as a buddy yet.", "so"))
    assert "guide:buddy-signup" in str(offer.get("reply_markup"))

    # The same link a second time: refused kindly, nothing granted.
    other = await join(8502, "en", "Eve")
    await other.send(f"/start {buddy_code}")
    await other.expect(
        tr(
            "This invitation does not work any more: it was used or it has expired. Please ask the coordinator for a new one.",
            "en",
        )[:40]
    )
    await onboard(other, "en", "Parent or family member")
    await wait_for_user(running_bot, 8502, role="parent")

    coordinator_code = await make_invite(coordinator, with_role[Role.COORDINATOR])
    await stored(running_bot, coordinator_code)
    colleague = await join(8503, "fi", "Sanna")
    await follow(colleague, coordinator_code, "fi")
    await colleague.expect(tr("Main menu. What would you like to do?", "fi"))
    assert any(tr("Requests for a person", "fi") in b for b in colleague.buttons())

    # A parent pressing a forged invite button is refused.
    await other.press_data(max(m["message_id"] for m in other.bot_messages()), "inv:coordinator")
    refusal = tr("Sorry, this is not available to you.", "en")
    await other.wait_for(lambda c: any(refusal in str(t.get("text", "")) for t in c.toasts))

    assert running_bot.app is not None

    async def used() -> bool:
        async with running_bot.app.session_factory() as session:  # type: ignore[union-attr]
            invites = (await session.execute(select(Invite))).scalars().all()
        return len(invites) == 2 and all(invite.used_by is not None for invite in invites)

    await eventually(used)

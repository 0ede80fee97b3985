"""A coordinator writing an announcement through the wizard, as a person would, for the
announcement tests (in-process and against `silta run`)."""

from __future__ import annotations

from typing import Any

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.telegram.broadcast_screens import language_name
from tests.e2e.helpers import tr

EN = "en"


def body(code: str) -> str:
    """The announcement's text in one language (the test checks who got which)."""
    return f"Family day at Kuopio library on Saturday at 12. [{code}]"


def is_version_question(text: str) -> str | None:
    """The language a 'send the text in ...' question asks for, if it is one."""
    for code in SUPPORTED_LANGUAGES:
        if text.startswith(language_name(code, EN) + ":"):
            return code
    return None


async def compose(
    coordinator: Any,
    roles: tuple[str, ...] = (Role.PARENT.value,),
    skip: frozenset[str] = frozenset(),
    timeout: float = 20.0,
) -> dict[str, Any]:
    """From the main menu to the summary: choose roles, write in English, give every asked
    language its version except those in `skip`. Returns the summary message."""
    await coordinator.press(tr("Send an announcement", EN))
    await coordinator.expect(tr("New announcement. Who should get it?", EN), timeout)
    names = {"parent": "parents", "buddy": "buddies", "coordinator": "coordinators"}
    for role in roles:
        label = tr(names[role], EN)
        await coordinator.reply_after(lambda: coordinator.press(tr("Roles", EN)))
        await coordinator.reply_after(lambda label=label: coordinator.press(label))
        await coordinator.reply_after(lambda: coordinator.press(tr("Back", EN)))
    await coordinator.reply_after(lambda: coordinator.press(tr("Write the message", EN)))
    asked = await coordinator.reply_after(lambda: coordinator.send(body(EN)))
    assert (
        tr("Which language is this text in? I guessed {language}.", EN).split("{")[0]
        in (asked["text"])
    )
    message = await coordinator.reply_after(lambda: coordinator.press("English"))
    for _ in range(len(SUPPORTED_LANGUAGES)):
        code = is_version_question(message["text"])
        if code is None:
            break
        if code in skip:
            message = await coordinator.reply_after(
                lambda: coordinator.press(tr("Skip", EN), exact=False)
            )
        else:
            text = body(code)
            message = await coordinator.reply_after(lambda text=text: coordinator.send(text))
    assert tr("Ready to send.", EN) in message["text"], message["text"]
    return message

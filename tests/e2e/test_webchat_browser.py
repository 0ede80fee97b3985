"""The simulator's web chat page in a real (headless) Chromium, against the real bot.

Selenium blocks, while the simulator and the bot run in this test's event loop, so every
browser step runs in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.simulator.server import SimulatorServer
from tests.conftest import RunningBot
from tests.e2e.helpers import tr

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/silta-webchat.png")
WAIT = 15.0


def _wait(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    """Wait for a condition; on timeout, say what the page showed.

    Bubbles are replaced in place when the bot edits a message, so an element found a moment
    ago may be gone: the condition is simply tried again.
    """
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(
        driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    try:
        return wait.until(condition)
    except TimeoutException:
        bubbles = driver.execute_script(
            "return [...document.querySelectorAll('.bubble')].map(b => b.innerText)"
        )
        raise AssertionError(
            f"timed out waiting for {what}; bubbles: {bubbles}; console: {driver.get_log('browser')}"
        ) from None


BUBBLES_JS = """
return [...document.querySelectorAll('#messages .bubble.' + arguments[0])].map(b => ({
  text: b.innerText, dir: b.getAttribute('dir'), id: b.dataset.messageId,
}));
"""


def _bubble(who: str, fragment: str) -> Callable[[Any], Any]:
    """A condition: the first bubble of `who` ("bot" or "me") containing `fragment`, as a dict."""

    def find(driver: Any) -> Any:
        bubbles = driver.execute_script(BUBBLES_JS, who)
        return next((b for b in bubbles if fragment in b["text"]), False)

    return find


def _press(label: str) -> Callable[[Any], Any]:
    """A condition that clicks the newest keyboard button whose label contains `label`."""

    def click(driver: Any) -> bool:
        for button in reversed(driver.find_elements("css selector", "#messages .kb-button")):
            if label in button.text:
                button.click()
                return True
        return False

    return click


def _open_as(driver: Any, base_url: str, person_id: int) -> None:
    """Load the page (with short long polls) and chat as the given person."""
    from selenium.webdriver.support.ui import Select

    driver.get(base_url + "/?wait=1")
    _wait(
        driver,
        lambda d: d.find_elements("css selector", f'#persona option[value="{person_id}"]'),
        "the persona picker",
    )
    Select(driver.find_element("id", "persona")).select_by_value(str(person_id))
    _wait(
        driver,
        lambda d: d.find_elements("css selector", f'#messages[data-chat="{person_id}"]'),
        "the chat to open",
    )


def _send(driver: Any, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("id", "text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    _wait(driver, _bubble("me", text), f"my message {text!r}")


def _add_person(simulator: SimulatorServer, person_id: int, name: str, language: str) -> None:
    person = {"id": person_id, "first_name": name, "language_code": language, "role": "parent"}
    simulator.personas.append(person)
    simulator.world.add_user(person_id, name, language)


def _first_contact(driver: Any, base_url: str) -> None:
    _open_as(driver, base_url, 4242)
    assert driver.find_element("id", "bot-name").text == "Silta"
    assert driver.find_element("id", "messages").get_attribute("aria-live") == "polite"
    _send(driver, "/start")
    greeting = _wait(driver, _bubble("bot", "Hello"), "the bot's greeting")
    assert greeting["dir"] == "auto"
    _wait(driver, _press("English"), "the English button")
    consent = _wait(driver, _bubble("bot", "Do you agree?"), "the consent note")
    assert consent["id"]
    # The command menu lists what the bot set for this person.
    driver.find_element("id", "commands-button").click()
    _wait(
        driver,
        lambda d: d.find_elements("css selector", '#commands-menu [data-command="start"]'),
        "the /start command in the menu",
    )
    driver.find_element("id", "commands-button").click()
    driver.save_screenshot(str(SCREENSHOT))


async def test_first_contact_in_the_web_chat(
    simulator: SimulatorServer, running_bot: RunningBot, browser: Any
) -> None:
    _add_person(simulator, 4242, "Sara", "en")
    await asyncio.to_thread(_first_contact, browser, f"http://127.0.0.1:{simulator.port}")


def _arabic_app(driver: Any, base_url: str) -> None:
    from selenium.webdriver.support.ui import Select

    _open_as(driver, base_url, 4343)
    Select(driver.find_element("id", "app-language")).select_by_value("ar")
    _wait(
        driver,
        lambda d: "ar" in (d.find_element("id", "toast").text or ""),
        "the app language notice",
    )
    _send(driver, "/start")
    # The Arabic catalog may not be translated yet: only check the bubble lays out by its text.
    greeting = _wait(driver, _bubble("bot", ""), "the bot's greeting")
    assert greeting["dir"] == "auto"
    _wait(driver, lambda d: d.find_elements("css selector", ".kb-button"), "the language buttons")


async def test_arabic_app_language(
    simulator: SimulatorServer, running_bot: RunningBot, browser: Any
) -> None:
    _add_person(simulator, 4343, "Amina", "en")
    await asyncio.to_thread(_arabic_app, browser, f"http://127.0.0.1:{simulator.port}")
    assert simulator.world.users[4343].language_code == "ar"


def _guide_first_half(driver: Any, base_url: str, language: str) -> None:
    """Onboard in the web chat, open the joint-application guide, answer two questions."""
    _open_as(driver, base_url, 4444)
    _send(driver, "/start")
    _wait(driver, _press(SUPPORTED_LANGUAGES[language].native_name), "the language button")
    _wait(driver, _press(tr("I agree", language)), "the consent button")
    _wait(driver, _press(tr("Parent or family member", language)), "the role button")
    _wait(driver, _press(tr("Guides", language)), "the Guides button")
    _wait(driver, _press(tr("After grade 9, the joint application", language)), "the guide")
    _wait(driver, _bubble("bot", tr("Which grade is your child in?", language)), "question 1")
    _wait(driver, _press(tr("Grade 9", language)), "the Grade 9 button")
    _wait(
        driver,
        _bubble("bot", tr("Which study option would you like to read about?", language)),
        "question 2",
    )
    _wait(driver, _press(tr("TUVA", language)), "the TUVA button")
    _wait(
        driver,
        _bubble("bot", tr("Would you like to read about another option?", language)),
        "question 3",
    )


def _guide_second_half(driver: Any, language: str) -> None:
    """After the restart: come back through the menu, continue, and finish the guide."""
    _send(driver, "/menu")
    _wait(driver, _press(tr("Guides", language)), "the Guides button")
    resumed = tr("You were at step {number} of {total} of “{title}”.", language).split("{")[0]
    _wait(driver, _bubble("bot", resumed.strip()), "the offer to continue")
    _wait(driver, _press(tr("Continue", language)), "the Continue button")
    _wait(driver, _press(tr("No, how do we apply?", language)), "the way to applying")
    abroad = tr("Did your child go to school in another country before Finland?", language)
    _wait(driver, _bubble("bot", abroad), "the question on school abroad")
    _wait(driver, _press(tr("No", language)), "not abroad")
    prepare = tr("Things to do together before the joint application:", language)
    _wait(driver, _bubble("bot", prepare), "the checklist")
    _wait(driver, _press(tr("Done", language)), "the checklist's Done")
    help_question = tr("Would you like a person to help you with this?", language)
    _wait(driver, _bubble("bot", help_question), "the offer of a person")
    _wait(driver, _press(tr("No, thanks", language)), "no person needed")
    _wait(
        driver,
        _bubble("bot", tr("Shall I remind you about this in a week?", language)),
        "the reminder offer",
    )
    driver.save_screenshot(str(SCREENSHOT.with_name("silta-webchat-guide.png")))


async def test_a_guide_in_the_web_chat_across_a_restart(
    simulator: SimulatorServer, running_bot: RunningBot, browser: Any
) -> None:
    _add_person(simulator, 4444, "Oksana", "uk")
    base_url = f"http://127.0.0.1:{simulator.port}"
    await asyncio.to_thread(_guide_first_half, browser, base_url, "uk")
    await running_bot.stop()
    await running_bot.start()
    await asyncio.to_thread(_guide_second_half, browser, "uk")

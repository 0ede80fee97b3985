"""Play a flow test script (flows/tests/*.yaml) over the real bot: a person in the simulator
presses the buttons and types, the bot answers over HTTP, the database holds the effects.

The same scripts run against the interpreter in `silta flows test`; here they prove that what
the script says also holds end to end, in the language of the run, including leaving and
coming back after a restart of the bot (`- come back`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import (
    BuddyProfile,
    BuddyRequest,
    FlowSession,
    FollowUp,
    HandoffRequest,
    SurveyAnswer,
    utcnow,
)
from bot.domain.flows.conversation_tests import (
    DEFAULT_RETRY,
    Line,
    Mismatch,
    Translate,
    find_source,
    plain,
    texts_of,
    with_called,
)
from bot.domain.flows.model import Flow
from bot.domain.flows.steps.choice import Ask
from bot.domain.flows.steps.text_input import TextInput
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.simulator.client import ChatError, SimChat
from tests.conftest import RunningBot
from tests.e2e.helpers import eventually, load_user
from tests.e2e.test_onboarding import onboard

# What the bot puts before a button's own label.
PREFIXES = ("☐ ", "☑ ", "✓ ", "← ", "▶ ", "↺ ")


def _label(text: str) -> str:
    for prefix in PREFIXES:
        if text.startswith(prefix):
            return plain(text[len(prefix) :])
    return plain(text)


class ScriptChat:
    """One case of a script, played by one person over the simulator."""

    def __init__(
        self,
        chat: SimChat,
        bot: RunningBot,
        flows: dict[str, Flow],
        flow_id: str,
        translate: Translate,
        written_in: str,
        language: str,
        role: str = "parent",
    ) -> None:
        self.chat, self.bot, self.flows, self.flow_id = chat, bot, flows, flow_id
        self.translate, self.written_in, self.language = translate, written_in, language
        self.role = role
        self.texts = texts_of(flows, flow_id)
        own = with_called(flows, flow_id)
        self.labels = sorted(
            {
                c.label
                for f in own
                for s in f.steps.values()
                if isinstance(s, Ask)
                for c in s.choices
            }
        )
        self.items = sorted(
            {item for f in own for s in f.steps.values() for item in getattr(s, "checklist", [])}
        )
        self.retries = [DEFAULT_RETRY] + [
            s.retry for f in own for s in f.steps.values() if isinstance(s, TextInput) and s.retry
        ]
        self.cursor = 0  # bot messages up to this event are read
        self.last_answers: dict[str, Any] = {}

    def tr(self, text: str) -> str:
        return self.translate(text, self.language)

    async def begin(self) -> None:
        """Onboard in the run's language and open the flow by its deep link."""
        label = "Volunteer buddy" if self.role == "buddy" else "Parent or family member"
        await onboard(self.chat, self.language, label)
        await self._mark()
        await self.chat.send(f"/start flow-{self.flow_id}")

    async def play(self, line: Line) -> None:
        await getattr(self, "_" + line.what)(getattr(line, line.what))

    # ---- the chat
    async def _mark(self) -> None:
        await self.chat.poll()
        self.cursor = self.chat.seq

    def _new(self) -> list[dict[str, Any]]:
        return sorted(
            (m for m in self.chat.bot_messages() if m["seq"] > self.cursor), key=lambda m: m["seq"]
        )

    async def _press_label(self, label: str) -> None:
        """Press the button showing `label` (after its prefix) on the newest keyboard."""
        wanted = plain(label)

        def shown(chat: SimChat) -> bool:
            return any(_label(text) == wanted for text in chat.buttons())

        for attempt in range(3):
            await self.chat.wait_for(
                shown, what=f"a button {label!r}; buttons: {self.chat.buttons()}"
            )
            await self._mark()  # polls: the keyboard read below is the newest
            full = next((text for text in self.chat.buttons() if _label(text) == wanted), None)
            if full is None:
                continue  # the keyboard changed while polling; wait for the button again
            try:
                await self.chat.press(full, exact=True)
                return
            except ChatError:
                if attempt == 2:
                    raise
        raise ChatError(f"the button {label!r} kept changing; buttons: {self.chat.buttons()}")

    # ---- lines
    async def _bot(self, needle: str) -> None:
        expected = plain(
            self.tr(find_source(needle, self.texts, self.translate, self.written_in, "flow text"))
        )
        found: list[dict[str, Any]] = []

        def said(_: SimChat) -> bool:
            found[:] = [m for m in self._new() if expected in plain(m.get("text", ""))]
            return bool(found)

        await self.chat.wait_for(said, what=f"the bot to say {expected[:60]!r}")
        self.cursor = found[0]["seq"]

    async def _buttons(self, labels: list[str]) -> None:
        wanted = [
            plain(
                self.tr(find_source(label, self.labels, self.translate, self.written_in, "button"))
            )
            for label in labels
        ]
        back = plain(self.tr("Back"))

        def shown(chat: SimChat) -> bool:
            return [_label(text) for text in chat.buttons() if _label(text) != back] == wanted

        await self.chat.wait_for(shown, what=f"the buttons {wanted}")

    async def _press(self, label: str) -> None:
        source = find_source(label, self.labels, self.translate, self.written_in, "button")
        await self._press_label(self.tr(source))

    async def _tick(self, item: str) -> None:
        source = find_source(item, self.items, self.translate, self.written_in, "checklist item")
        await self._press_label(self.tr(source))

    async def _done(self, _: bool) -> None:
        await self._press_label(self.tr("Done"))

    async def _back(self, _: bool) -> None:
        await self._press_label(self.tr("Back"))

    async def _type(self, text: str | dict[str, str]) -> None:
        if isinstance(text, dict):
            text = text.get(self.language, text.get("default", ""))
        await self._mark()
        await self.chat.send(text)

    async def _retry(self, _: bool) -> None:
        expected = [plain(self.tr(text)) for text in self.retries]

        def asked(_: SimChat) -> bool:
            return any(e in plain(m.get("text", "")) for m in self._new() for e in expected)

        await self.chat.wait_for(asked, what="the bot to ask again")

    async def _come_back(self, _: bool) -> None:
        """Leave (once the bot has answered the last tap), restart the bot, come back through
        the menu and continue."""
        await self.chat.wait_for(lambda _: bool(self._new()), what="the answer to the last step")
        await self.bot.stop()
        await self.bot.start()
        await self._mark()
        await self.chat.send("/menu")
        await self._press_label("🧭 " + self.tr("Guides"))
        await self._press_label(self.tr("Continue"))

    async def _session(self) -> FlowSession | None:
        user = await load_user(self.bot, self.chat.user_id)
        assert self.bot.app is not None and user is not None
        async with self.bot.app.session_factory() as session:
            found = await session.execute(
                select(FlowSession)
                .where(FlowSession.user_id == user.id, FlowSession.flow_id == self.flow_id)
                .order_by(FlowSession.id.desc())
                .limit(1)
            )
            return found.scalar_one_or_none()

    async def _until(self, check: Any, what: str) -> None:
        try:
            await eventually(check)
        except AssertionError as error:
            record = await self._session()
            now = (record.status, record.step) if record else None
            raise Mismatch(f"{what} (the stored session: {now})") from error

    async def _step(self, step_id: str) -> None:
        async def there() -> bool:
            record = await self._session()
            return record is not None and record.status == "active" and record.step == step_id

        await self._until(there, f"the conversation is not at {step_id!r}")

    async def _saved(self, expected: dict[str, Any]) -> None:
        async def kept() -> bool:
            record = await self._session()
            answers = record.state["stack"][-1]["answers"] if record else {}
            self.last_answers = answers
            return all(answers.get(key) == value for key, value in expected.items())

        await self._until(kept, f"the answers {expected} are not saved: {self.last_answers}")

    async def _end(self, _: bool) -> None:
        async def ended() -> bool:
            record = await self._session()
            return record is not None and record.status == "finished"

        await self._until(ended, "the conversation has not ended")

    async def _rows(self, model: Any) -> list[Any]:
        user = await load_user(self.bot, self.chat.user_id)
        assert self.bot.app is not None and user is not None
        async with self.bot.app.session_factory() as session:
            found = await session.execute(select(model).where(model.user_id == user.id))
            return list(found.scalars())

    async def _handoff(self, topic: str) -> None:
        async def asked() -> bool:
            return any(row.topic == topic for row in await self._rows(HandoffRequest))

        await self._until(asked, f"no request for a person on {topic!r}")

    async def _submitted(self, form: str) -> None:
        """The form's feature stored what it was handed."""
        kept: dict[str, Any] = {
            "buddy_signup": (BuddyProfile, lambda row: True),
            "buddy_training": (BuddyProfile, lambda row: row.trained_at is not None),
            "buddy_request": (BuddyRequest, lambda row: True),
            "closing_survey": (SurveyAnswer, lambda row: row.kind == "closing"),
        }
        model, fits = kept[form]

        async def stored() -> bool:
            return any(fits(row) for row in await self._rows(model))

        await self._until(stored, f"nothing stored for the form {form!r}")

    async def _reminder(self, after: str) -> None:
        from bot.domain.flows.steps.followup import parse_duration

        delay = parse_duration(after)

        async def scheduled() -> bool:
            now = utcnow()
            return any(
                abs(_aware(row.due_at) - now - delay) < timedelta(minutes=5)
                for row in await self._rows(FollowUp)
            )

        await self._until(scheduled, f"no reminder after {after}")


def _aware(moment: Any) -> Any:
    """SQLite returns naive datetimes for UTC columns."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def languages_for(count: int, offset: int) -> list[str]:
    """Spread runs over every supported language: the n-th run gets the n-th language."""
    codes = list(SUPPORTED_LANGUAGES)
    return [codes[(offset + index) % len(codes)] for index in range(count)]

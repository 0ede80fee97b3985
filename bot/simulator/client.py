"""Play a person in the simulator over HTTP: send, press buttons, read the bot's answers.

Used by the end-to-end tests; anything that scripts a conversation (flow tests, benchmarks)
can use it too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp


class ChatError(AssertionError):
    """The conversation did not go as the script expected."""


class SimChat:
    """One person's private chat with the bot, seen from the person's side."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        user_id: int,
        language_code: str | None = None,
    ) -> None:
        self.http = http
        self.language_code = language_code  # the Telegram app's language, the bot's first guess
        self.base = f"{base_url}/sim/api"
        self.user_id = user_id
        self.messages: dict[int, dict[str, Any]] = {}
        self.toasts: list[dict[str, Any]] = []
        self.seq = 0

    @classmethod
    async def join(
        cls,
        http: aiohttp.ClientSession,
        base_url: str,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> SimChat:
        chat = cls(http, base_url, user_id, language_code)
        await chat._post(
            "/users", {"id": user_id, "first_name": first_name, "language_code": language_code}
        )
        return chat

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(self.base + path, json=body) as response:
            if response.status != 200:
                raise ChatError(f"{path}: {response.status} {await response.text()}")
            result: dict[str, Any] = await response.json()
            return result

    async def send(self, text: str) -> int:
        """Type and send a text message; returns the update id."""
        return int((await self._post(f"/chats/{self.user_id}/send", {"text": text}))["update_id"])

    async def send_media(self, kind: str) -> int:
        """Send a sticker, photo, voice, document or location."""
        return int((await self._post(f"/chats/{self.user_id}/send", {"media": kind}))["update_id"])

    async def press(self, label: str, message_id: int | None = None, exact: bool = False) -> int:
        """Press the button whose label contains `label` (is `label`, with `exact`) on the newest
        message that has one."""
        message, data = self.find_button(label, message_id, exact)
        body = {"message_id": message["message_id"], "data": data}
        return int((await self._post(f"/chats/{self.user_id}/click", body))["update_id"])

    async def press_data(self, message_id: int, data: str, forged: bool = True) -> int:
        """Send any callback data, as a modified client could."""
        body = {"message_id": message_id, "data": data, "forged": forged}
        return int((await self._post(f"/chats/{self.user_id}/click", body))["update_id"])

    async def block(self, blocked: bool = True) -> int:
        return int(
            (await self._post(f"/chats/{self.user_id}/block", {"blocked": blocked}))["update_id"]
        )

    def find_button(
        self, label: str, message_id: int | None = None, exact: bool = False
    ) -> tuple[dict[str, Any], str]:
        candidates = (
            [self.messages[message_id]]
            if message_id is not None
            else sorted(self.bot_messages(), key=lambda m: m["message_id"], reverse=True)
        )
        for message in candidates:
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    fits = button["text"] == label if exact else label in button["text"]
                    if fits and "callback_data" in button:
                        return message, button["callback_data"]
        raise ChatError(f"no button {label!r}; buttons: {self.buttons()}")

    def buttons(self) -> list[str]:
        """Labels of the buttons on the newest message that has any."""
        for message in sorted(self.bot_messages(), key=lambda m: m["message_id"], reverse=True):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if rows:
                return [button["text"] for row in rows for button in row]
        return []

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if not m.get("outgoing")]

    def last_text(self) -> str:
        bot = self.bot_messages()
        return max(bot, key=lambda m: m["message_id"]).get("text", "") if bot else ""

    async def poll(self, wait: float = 0.0) -> list[dict[str, Any]]:
        """Fetch new events (messages, edits, button answers) into this chat's view."""
        params = {"after": str(self.seq), "wait": str(wait)}
        async with self.http.get(
            f"{self.base}/chats/{self.user_id}/events", params=params
        ) as response:
            events: list[dict[str, Any]] = (await response.json())["events"]
        for event in events:
            self.seq = max(self.seq, event["seq"])
            if event["kind"] == "message":
                self.messages[event["message_id"]] = event
            elif event["kind"] == "toast":
                self.toasts.append(event)
            elif event["kind"] == "deleted":
                self.messages.pop(event["message_id"], None)
        return events

    async def wait_for(
        self, predicate: Callable[[SimChat], bool], timeout: float = 10.0, what: str = "a reply"
    ) -> None:
        """Poll until `predicate(self)` holds, or fail with what the chat shows."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChatError(
                    f"timed out waiting for {what}; last bot text: {self.last_text()!r}"
                )
            await self.poll(wait=min(remaining, 2.0))

    async def expect(self, fragment: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for a bot message (new or edited) containing `fragment`; return it."""
        await self.wait_for(
            lambda chat: any(fragment in m.get("text", "") for m in chat.bot_messages()),
            timeout,
            f"a message containing {fragment!r}",
        )
        return next(m for m in self.bot_messages() if fragment in m.get("text", ""))

    async def reply_after(self, action: Callable[[], Any], timeout: float = 10.0) -> dict[str, Any]:
        """Do `action`, then wait for the first new or edited bot message, and return it."""
        await self.poll()
        before = self.seq
        await action()
        found: list[dict[str, Any]] = []

        def _new_bot_message(chat: SimChat) -> bool:
            for message in chat.bot_messages():
                if message["seq"] > before:
                    found.append(message)
                    return True
            return False

        await self.wait_for(_new_bot_message, timeout, "the bot's answer")
        await asyncio.sleep(0)
        return found[0]

"""The simulated Telegram: users, private chats, messages, the update queue, the bot's profile.

Both sides act on it: the bot through Bot API methods (server.py), and people through the web
chat or the tests (the /sim API). Everything is in memory; a restart of the simulator is a new
Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any

BOT_USER: dict[str, Any] = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Silta",
    "username": "silta_demo_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class ApiError(Exception):
    """An error the Bot API answers with: HTTP status, description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class Fault:
    """An injected failure: the next `times` matching calls fail with `status`."""

    status: int
    method: str | None = None
    chat_id: int | None = None
    times: int = 1
    retry_after: int = 1
    network: bool = False  # drop the connection instead of answering

    def matches(self, method: str, chat_id: int | None) -> bool:
        return (self.method is None or self.method.lower() == method.lower()) and (
            self.chat_id is None or self.chat_id == chat_id
        )


@dataclass
class SimUser:
    """A person in the simulator."""

    id: int
    first_name: str
    language_code: str | None = None
    last_name: str | None = None
    blocked_bot: bool = False

    def as_telegram(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class ChatEvent:
    """Something the web chat shows: a message (from the user or the bot) or a button answer."""

    seq: int
    kind: str  # "message" or "toast"
    payload: dict[str, Any]


@dataclass
class ChatLog:
    """One private chat: its messages by id and the ordered events the web chat replays."""

    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    next_message_id: int = 1


class World:
    """All simulator state, with a condition that wakes long polls on either side."""

    def __init__(self) -> None:
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, ChatLog] = {}
        self.updates: list[dict[str, Any]] = []
        self.update_ids = itertools.count(1)
        self.confirmed_offset = 0
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.query_ids = itertools.count(1)
        self.seq = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.changed = asyncio.Condition()
        # Telegram's sending limits, enforced like Telegram does (429) when set: (messages per
        # second overall, per chat). Every breach is recorded: a polite sender causes none.
        self.send_limits: tuple[float, float] | None = None
        self.limit_breaches: list[str] = []
        self.sends: list[tuple[float, int]] = []  # (monotonic time, chat id) of each message
        self.random_faults: dict[int, float] = {}  # status -> share of sendMessage calls
        self._last_sends: dict[int, float] = {}  # chat -> its latest send (over_limit)
        self._indexed = 0  # how many of `sends` are in _last_sends
        self.random = random.Random(7)
        self.files: dict[str, bytes] = {}  # what the bot uploaded, by file_id
        self.edits: list[tuple[int, int, str]] = []  # (chat, message id, new text) of each edit

    def over_limit(self, chat_id: int, now: float) -> str | None:
        """Why a message to `chat_id` now would break the limits, or None."""
        if self.send_limits is None:
            return None
        overall, per_chat = self.send_limits
        # Arrival times carry the network's jitter (here: a busy event loop), which can squeeze
        # an evenly paced sender's messages together: like Telegram, tolerate one message of it.
        slack = 1e-3  # timer resolution
        recent = [(t, c) for t, c in self.sends[-int(overall) - 3 :] if t > now - 1.0 + slack]
        if len(recent) >= overall + 1:
            return f"{len(recent) + 1} messages within one second"
        last = self._last_send_to(chat_id)
        if last is not None and now - last < 1.0 / per_chat - slack:
            return f"two messages to chat {chat_id} {now - last:.3f} s apart"
        return None

    def _last_send_to(self, chat_id: int) -> float | None:
        """When `chat_id` last got a message: an index kept up with `sends` as it grows (a
        scan of every send per message made a 10,000-reader broadcast quadratic)."""
        if len(self.sends) < self._indexed:  # the list was replaced: index it again
            self._last_sends, self._indexed = {}, 0
        for at, chat in self.sends[self._indexed :]:
            self._last_sends[chat] = at
        self._indexed = len(self.sends)
        return self._last_sends.get(chat_id)

    def random_fault(self) -> int | None:
        """A status to answer with by chance (benchmarks: 5 % 429, 1 % 5xx)."""
        draw = self.random.random()
        for status, share in sorted(self.random_faults.items()):
            if draw < share:
                return status
            draw -= share
        return None

    # ---- people -------------------------------------------------------------------------
    def add_user(self, user_id: int, first_name: str, language_code: str | None = None) -> SimUser:
        """Create or update a person (the web chat's personas, the tests' users)."""
        user = self.users.get(user_id)
        if user is None:
            user = SimUser(user_id, first_name, language_code)
            self.users[user_id] = user
        else:
            user.first_name, user.language_code = first_name, language_code
        self.chats.setdefault(user_id, ChatLog())
        return user

    def private_chat(self, user: SimUser) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": user.id, "type": "private", "first_name": user.first_name}
        return chat

    async def _emit_update(self, update: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        async with self.changed:
            self.updates.append(update)
            self.changed.notify_all()
        return update_id

    async def _chat_event(self, chat_id: int, kind: str, payload: dict[str, Any]) -> None:
        async with self.changed:
            self.chats.setdefault(chat_id, ChatLog()).events.append(
                ChatEvent(next(self.seq), kind, payload)
            )
            self.changed.notify_all()

    def _new_message(
        self, chat_id: int, sender: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        log = self.chats.setdefault(chat_id, ChatLog())
        message = {
            "message_id": log.next_message_id,
            "date": int(time.time()),
            "chat": self.private_chat(self.users[chat_id]),
            "from": sender,
            **content,
        }
        log.next_message_id += 1
        log.messages[message["message_id"]] = message
        return message

    async def user_sends(self, user_id: int, content: dict[str, Any]) -> int:
        """A person sends a message (text or media content); returns the update id."""
        user = self.users[user_id]
        if "text" in content and content["text"].startswith("/"):
            command = content["text"].split()[0]
            content = {
                **content,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
            }
        message = self._new_message(user_id, user.as_telegram(), content)
        await self._chat_event(user_id, "message", {**message, "outgoing": True})
        if user.blocked_bot:
            return 0
        return await self._emit_update({"message": message})

    async def user_clicks(
        self, user_id: int, message_id: int, data: str, forged: bool = False
    ) -> int:
        """A person presses an inline button; only buttons really shown, unless `forged`."""
        user = self.users[user_id]
        message = self.chats[user_id].messages.get(message_id)
        if message is None:
            raise ApiError(400, "no such message in this chat")
        if not forged:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if data not in [button.get("callback_data") for row in rows for button in row]:
                raise ApiError(400, "that message has no such button")
        query_id = str(next(self.query_ids))
        query = {
            "id": query_id,
            "from": user.as_telegram(),
            "message": message,
            "chat_instance": str(user_id),
            "data": data,
        }
        self.callback_queries[query_id] = query
        return await self._emit_update({"callback_query": query})

    async def user_blocks(self, user_id: int, blocked: bool) -> int:
        """A person blocks (or unblocks) the bot; the bot gets my_chat_member."""
        user = self.users[user_id]
        user.blocked_bot = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return await self._emit_update(
            {
                "my_chat_member": {
                    "chat": self.private_chat(user),
                    "from": user.as_telegram(),
                    "date": int(time.time()),
                    "old_chat_member": {"status": old, "user": BOT_USER}
                    | ({"until_date": 0} if old == "kicked" else {}),
                    "new_chat_member": {"status": new, "user": BOT_USER}
                    | ({"until_date": 0} if new == "kicked" else {}),
                }
            }
        )

    # ---- the bot's side ------------------------------------------------------------------
    async def get_updates(
        self, offset: int | None, limit: int, timeout: float
    ) -> list[dict[str, Any]]:
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
            async with self.changed:
                self.changed.notify_all()
        deadline = time.monotonic() + timeout
        async with self.changed:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self.changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return self.updates[:limit]

    def chat_of(self, chat_id: Any) -> SimUser:
        try:
            user = self.users[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if user.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    async def bot_sends(self, chat_id: Any, content: dict[str, Any]) -> dict[str, Any]:
        user = self.chat_of(chat_id)
        message = self._new_message(user.id, BOT_USER, content)
        await self._chat_event(user.id, "message", dict(message))
        return message

    async def bot_edits(
        self, chat_id: Any, message_id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        user = self.chat_of(chat_id)
        message = self.chats[user.id].messages.get(int(message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != BOT_USER["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        updated = {**message, **changes}
        if "reply_markup" not in changes and "text" in changes:
            updated.pop("reply_markup", None)
        if {k: v for k, v in updated.items() if k != "edit_date"} == {
            k: v for k, v in message.items() if k != "edit_date"
        }:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        updated["edit_date"] = int(time.time())
        self.edits.append((user.id, int(message_id), str(updated.get("text", ""))))
        if updated.get("reply_markup") in (None, {"inline_keyboard": []}):
            updated.pop("reply_markup", None)
        self.chats[user.id].messages[int(message_id)] = updated
        await self._chat_event(user.id, "message", dict(updated))
        return updated

    async def bot_deletes(self, chat_id: Any, message_id: Any) -> None:
        user = self.chat_of(chat_id)
        if self.chats[user.id].messages.pop(int(message_id), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        await self._chat_event(user.id, "deleted", {"message_id": int(message_id)})

    async def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        query = self.callback_queries.pop(query_id, None)
        if query is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = {"text": text, "show_alert": show_alert}
        if text:
            await self._chat_event(
                query["from"]["id"], "toast", {"text": text, "show_alert": show_alert}
            )

    # ---- reading, for the web chat and the tests ---------------------------------------------
    async def chat_events(self, chat_id: int, after: int, wait: float) -> list[ChatEvent]:
        deadline = time.monotonic() + wait
        async with self.changed:
            while True:
                events = [
                    event
                    for event in self.chats.get(chat_id, ChatLog()).events
                    if event.seq > after
                ]
                if events or time.monotonic() >= deadline:
                    return events
                try:
                    await asyncio.wait_for(self.changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    return []

    async def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched past this update (it asked getUpdates beyond it)."""
        deadline = time.monotonic() + timeout
        async with self.changed:
            while self.confirmed_offset <= update_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"update {update_id} was not fetched by the bot")
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    continue

    def commands_for(self, chat_id: int, language_code: str | None) -> list[dict[str, Any]]:
        """The command list a person sees, by Telegram's order of scopes and languages."""
        for key in (
            (f"chat:{chat_id}", language_code or ""),
            (f"chat:{chat_id}", ""),
            ("all_private_chats", language_code or ""),
            ("all_private_chats", ""),
            ("default", language_code or ""),
            ("default", ""),
        ):
            if key in self.commands:
                return self.commands[key]
        return []

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

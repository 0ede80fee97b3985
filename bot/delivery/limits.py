"""Telegram's sending limits, kept by the sender: messages evenly paced overall (about 30 a
second) and per chat (1 a second), and a full stop for every chat when Telegram answers 429.

aiolimiter does the pacing. Each limiter lets one message through per interval, without the
initial burst a bucket of 30 would allow, so no second ever carries more than the limit.
"""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter

_IDLE = 60.0  # forget a chat's limiter after this long without messages


class SendLimits:
    """Pacing for one sending process (several processes: divide the rates between them)."""

    def __init__(
        self, per_second: float, per_chat_per_second: float, start_after: float = 1.0
    ) -> None:
        self.overall = AsyncLimiter(1, 1.0 / per_second)
        self.chat_interval = 1.0 / per_chat_per_second
        self._chats: dict[int, tuple[AsyncLimiter, float]] = {}
        # A sender that replaces one that died a moment ago must not share its last second.
        self._paused_until = time.monotonic() + start_after

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody gets anything for `seconds`."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - time.monotonic())

    async def wait_for_pause(self) -> None:
        """Sleep out a 429 pause; a pause extended meanwhile is slept out too."""
        while (left := self.paused_for) > 0:  # noqa: ASYNC110 - a deadline, not an event
            await asyncio.sleep(left)

    def _chat(self, chat_id: int) -> AsyncLimiter:
        now = time.monotonic()
        if len(self._chats) > 1000:
            self._chats = {k: v for k, v in self._chats.items() if now - v[1] < _IDLE}
        limiter = self._chats[chat_id][0] if chat_id in self._chats else None
        if limiter is None:
            limiter = AsyncLimiter(1, self.chat_interval)
        self._chats[chat_id] = (limiter, now)
        return limiter

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go."""
        await self.wait_for_pause()
        await self._chat(chat_id).acquire()
        while True:
            await self.overall.acquire()
            if self.paused_for <= 0:
                return
            # A 429 came in meanwhile: after it, take a fresh place in the pace, or every
            # waiting worker would go at once when the pause ends.
            await self.wait_for_pause()

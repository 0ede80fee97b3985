"""Telegram's sending limits, kept by the sender: messages evenly paced overall (`SEND_RATE`,
about 30 a second) and per chat (1 a second); a single 429 holds back only its own message,
and only a run of them (Telegram's flood wait) stops every chat.

The overall pace is a `Pacer` rather than aiolimiter, which has no way to give a place back:
a call that delivered nothing (a 429, a 5xx, a refusal) returns its place, so the delivered
messages can reach the limit through failures. A sliding window makes sure no second ever
carries more than the limit: a message counts in it from its place until a second after its
answer came back, since it reached Telegram somewhere in between (a busy event loop can hold
a call up for tens of milliseconds, and a window over the places alone then lets the late
calls crowd a second).
Interactive replies are not in this pace and never wait for it: Telegram's overall limit is
on bulk messages, and a run of 429s, if replies ever caused one, pauses the sender.
"""

from __future__ import annotations

import asyncio
import math
import time
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable

FLOOD_WINDOW = 20  # a 429 is judged among this many recent answers ...
FLOOD_SHARE = 0.5  # ... and is a flood wait (everyone pauses) when this share of them are 429s
WINDOW = 1.0  # seconds: the limit counts messages within any one second
SPREAD = 0.005  # seconds of margin: the timers' and Telegram's clocks' small differences
CATCH_UP = 0.1  # seconds: a place taken this late still keeps the pace's times


class Pacer:
    """The overall pace of one sending process: evenly spaced places, never more than
    `per_second` of them kept within any one second.

    A place kept counts from the moment it was taken until a second after its call was
    answered (`answered`): the message reached Telegram somewhere in between, so however the
    event loop delayed the call, no second of arrivals holds more than `per_second` messages.
    A place given back (`refund`) is owed: the next message may take it at once, within the
    second it belonged to. The clock is injectable so the rules can be tested without waiting.
    """

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.most = max(1, math.floor(per_second + 1e-9))  # places kept in any one second
        self.window = WINDOW + SPREAD
        # Even places that fit the window by themselves: it then only holds back the places
        # given back and taken again, and those whose calls took long.
        self.interval = max(1.0 / per_second, self.window / self.most)
        self.clock = clock
        self._due = -math.inf  # the next place in the even pace
        self._last = -math.inf  # the latest place taken (places are unique, in time order)
        self._kept: list[tuple[float, float]] = []  # (counts until, place), sorted
        self._until: dict[float, float] = {}  # place -> until when it counts
        self._owed: deque[float] = deque()  # when each place not yet taken again was given back
        self._lock = asyncio.Lock()  # waiters take places in turn (FIFO)
        self._wake: asyncio.Future[None] | None = None

    def _forget(self, now: float) -> None:
        """Drop what no longer matters: places that no longer count, debts a second old."""
        done = bisect_right(self._kept, (now, math.inf))
        for _, place in self._kept[:done]:
            del self._until[place]
        del self._kept[:done]
        while self._owed and self._owed[0] <= now - WINDOW:
            self._owed.popleft()

    def next_place(self) -> float:
        """When the next place is free (clock time; now or earlier: at once)."""
        now = self.clock()
        self._forget(now)
        at = now if self._owed else max(now, self._due)
        return max(at, self._window_free())

    def _window_free(self) -> float:
        """When fewer than `most` places count any more: the window has room for one."""
        if len(self._kept) < self.most:
            return -math.inf
        return self._kept[-self.most][0]

    def _keep(self, now: float) -> float:
        place = now if now > self._last else math.nextafter(self._last, math.inf)
        self._last = place
        self._until[place] = place + self.window
        insort(self._kept, (place + self.window, place))
        return place

    def take(self) -> float:
        """Take a place now (the caller waited for `next_place`); returns it, for `answered`
        or `refund`."""
        now = self.clock()
        self._forget(now)
        if self._owed:
            self._owed.popleft()
        else:
            # A place the window held back keeps the next ones on their times, as does one
            # taken a little late (a busy loop); after a longer stall or a quiet spell the
            # pace starts again from now instead of sending what it missed in a burst.
            free = max(self._due, self._window_free())
            on_time = now <= free + CATCH_UP
            self._due = (self._due if on_time else now) + self.interval
        return self._keep(now)

    def answered(self, place: float) -> None:
        """The call at `place` was answered now: its message arrived by now, so it counts
        until a second from now (a call the loop held up must not crowd a later second)."""
        until = self._until.get(place)
        if until is None:
            return
        self._kept.pop(bisect_left(self._kept, (until, place)))
        self._until[place] = self.clock() + self.window
        insort(self._kept, (self._until[place], place))

    def refund(self, place: float) -> None:
        """The call at `place` delivered nothing: its place may be taken again."""
        until = self._until.pop(place, None)
        if until is not None:
            self._kept.pop(bisect_left(self._kept, (until, place)))
            self._owed.append(self.clock())
        if self._wake is not None:
            _wake_up(self._wake)

    async def acquire(self) -> float:
        """Wait for the next place and take it; returns it, for `answered` or `refund`."""
        async with self._lock:
            while (wait := self.next_place() - self.clock()) > 0:
                await self._sleep(wait)
            return self.take()

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the place is free, or until a place is given back."""
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        self._wake = wake
        timer = loop.call_later(seconds, _wake_up, wake)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None


def _wake_up(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class SendLimits:
    """Pacing for one sending process (several processes: divide the rates between them)."""

    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        start_after: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overall = Pacer(per_second, clock)
        self.chat_interval = 1.0 / per_chat_per_second
        self.clock = clock
        self._chats: dict[int, float] = {}  # chat -> when it may have its next message
        self._tidy_at = 1024
        self._answers: deque[bool] = deque(maxlen=FLOOD_WINDOW)  # True: a 429
        # A sender that replaces one that died a moment ago must not share its last second.
        self._paused_until = clock() + start_after

    def pause(self, seconds: float) -> None:
        """Nobody gets anything for `seconds` (a flood wait)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.clock())

    async def wait_for_pause(self) -> None:
        """Sleep out a pause; a pause extended meanwhile is slept out too."""
        while (left := self.paused_for) > 0:  # noqa: ASYNC110 - a deadline, not an event
            await asyncio.sleep(left)

    def record(self, too_many: bool, retry_after: float = 0.0) -> bool:
        """Note what Telegram answered a call. A 429 among mostly other answers concerns its
        own message (a chat's flood, or chance): the caller holds that one back. When 429s
        dominate the recent answers, it is a flood wait: everyone pauses (True)."""
        self._answers.append(too_many)
        if too_many and sum(self._answers) >= FLOOD_WINDOW * FLOOD_SHARE:
            self.pause(retry_after)
            self._answers.clear()  # judge the answers after the pause afresh
            return True
        return False

    def answered(self, place: float) -> None:
        """The message given `place` was answered (delivered, or perhaps: a dropped call)."""
        self.overall.answered(place)

    def refund(self, place: float) -> None:
        """The message given `place` was not delivered: give the place back to the pace."""
        self.overall.refund(place)

    def _chat_free_in(self, chat_id: int) -> float:
        return self._chats.get(chat_id, -math.inf) - self.clock()

    def _chat_sent(self, chat_id: int) -> None:
        now = self.clock()
        self._chats[chat_id] = now + self.chat_interval
        if len(self._chats) > self._tidy_at:  # forget chats that may have a message again
            self._chats = {chat: at for chat, at in self._chats.items() if at > now}
            self._tidy_at = max(1024, 2 * len(self._chats))

    async def chat_free(self, chat_id: int) -> None:
        """Wait until `chat_id` may have a message (without taking its turn)."""
        while (left := self._chat_free_in(chat_id)) > 0:  # noqa: ASYNC110 - a deadline
            await asyncio.sleep(left)

    async def acquire(self, chat_id: int) -> float:
        """Wait until a message to `chat_id` may go; returns its place in the overall pace
        (give it back with `refund` when the message was not delivered)."""
        while True:
            await self.wait_for_pause()
            if (left := self._chat_free_in(chat_id)) > 0:
                await asyncio.sleep(left)
                continue
            place = await self.overall.acquire()
            if self.paused_for > 0 or self._chat_free_in(chat_id) > 0:
                # A flood wait began, or another message to this chat went, while this one
                # waited for its place: give the place back and wait again.
                self.overall.refund(place)
                continue
            self._chat_sent(chat_id)
            return place

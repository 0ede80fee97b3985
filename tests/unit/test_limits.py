"""The sender's limits (bot/delivery/limits.py): the overall pace with places given back,
judged on a fake clock; the flood rule for 429s; the per-chat
pace and the pacer's waiting on the real clock, briefly."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from bisect import bisect_right
from random import Random

import pytest

from bot.delivery.limits import FLOOD_WINDOW, SPREAD, Pacer, SendLimits


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def most_in_one_second(times: list[float]) -> int:
    """The largest number of `times` within any window (t - 1, t]."""
    ordered = sorted(times)
    return max(
        (bisect_right(ordered, t) - bisect_right(ordered, t - 1.0) for t in ordered), default=0
    )


def run_pace(
    per_second: float, seconds: float, fail_share: float, latency: float, seed: int = 1
) -> tuple[list[float], list[float]]:
    """Drive a pacer as fast as it lets: each place is a call whose answer comes `latency`
    later; a failed one gives its place back. Returns (places kept, every place taken)."""
    clock = FakeClock()
    start = clock.now
    pacer = Pacer(per_second, clock)
    draw = Random(seed)
    answers: list[tuple[float, float, bool]] = []  # (when answered, its place, delivered)
    kept: list[float] = []
    taken: list[float] = []
    while clock.now < start + seconds:
        at = pacer.next_place()
        if answers and answers[0][0] <= at:
            clock.now, place, delivered = heapq.heappop(answers)
            if delivered:
                pacer.answered(place)
            else:
                pacer.refund(place)
                kept.remove(place)
            continue
        clock.now = at
        place = pacer.take()
        taken.append(place)
        kept.append(place)
        heapq.heappush(answers, (clock.now + latency, place, draw.random() >= fail_share))
    return [t - start for t in kept], [t - start for t in taken]


def test_the_pace_is_even_from_the_first_message() -> None:
    kept, _ = run_pace(30, 2.0, 0.0, 0.0)
    gaps = [b - a for a, b in itertools.pairwise(kept)]
    interval = (1 + SPREAD) / 30  # 30 places in a second and a small margin
    assert min(gaps) == pytest.approx(interval) and max(gaps) == pytest.approx(interval)
    assert most_in_one_second(kept) <= 30


@pytest.mark.parametrize("per_second", [30, 100, 14.5])
def test_places_given_back_let_deliveries_reach_the_limit_and_never_pass_it(
    per_second: float,
) -> None:
    """6 % of the calls fail (5 % 429, 1 % 5xx): the places they give back are used again,
    so the delivered messages keep the full pace, and no second carries more than the limit."""
    kept, taken = run_pace(per_second, 20.0, 0.06, latency=0.005)
    assert most_in_one_second(kept) <= int(per_second)
    steady = [t for t in kept if 1.0 <= t < 19.0]
    assert len(steady) / 18.0 >= 0.98 * int(per_second)
    assert len(taken) > len(kept), "failed calls took places too"


def test_a_call_answered_late_counts_until_a_second_after_its_answer() -> None:
    """A call the loop held up may reach Telegram just before its answer: it must not share
    that second with a full second of later messages."""
    clock = FakeClock()
    pacer = Pacer(1, clock)
    place = pacer.take()
    assert pacer.next_place() == pytest.approx(place + pacer.window)
    clock.now += 0.8
    pacer.answered(place)
    assert pacer.next_place() == pytest.approx(clock.now + pacer.window)


def test_without_refunds_failed_calls_would_cost_the_pace() -> None:
    """The reason for refunds: the same failures with their places kept deliver less."""
    clock = FakeClock()
    pacer = Pacer(100, clock)
    delivered = 0
    draw = Random(3)
    while clock.now < 110.0:
        clock.now = pacer.next_place()
        pacer.take()
        delivered += draw.random() >= 0.06
    assert delivered / 10.0 < 0.95 * 100


def test_a_place_given_back_is_taken_again_at_once_within_its_second() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock)
    first = pacer.take()
    assert pacer.next_place() == pytest.approx(first + pacer.interval)
    clock.now += 0.02
    pacer.refund(first)
    assert pacer.next_place() == clock.now, "the place given back goes at once"
    pacer.take()
    assert pacer.next_place() == pytest.approx(first + pacer.interval), "the pace is unchanged"


def test_a_debt_is_forgotten_after_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock)
    place = pacer.take()
    clock.now += 0.05
    pacer.refund(place)
    clock.now += 2.0
    pacer.take()
    assert pacer.next_place() == pytest.approx(clock.now + pacer.interval), "no burst after it"


def test_a_stall_starts_the_pace_afresh_instead_of_catching_up() -> None:
    """A process that stalled (a busy loop, the machine's other work) still has messages on
    their way: filling the second with the missed places would let them arrive together."""
    clock = FakeClock()
    pacer = Pacer(10, clock)
    pacer.take()
    clock.now += 0.5  # four places missed
    pacer.take()
    assert pacer.next_place() == pytest.approx(clock.now + pacer.interval)


def test_a_place_the_window_held_back_keeps_the_pace() -> None:
    """Places held back by the window (a place given back was taken again) are not a stall:
    the next ones stay on their times, so the window stays full."""
    clock = FakeClock()
    pacer = Pacer(4, clock)
    places = []
    for _ in range(4):
        clock.now = pacer.next_place()
        places.append(pacer.take())
    clock.now += 0.01
    pacer.refund(places[0])
    pacer.take()  # taken again at once: the window holds 4 places again
    clock.now = pacer.next_place()
    assert clock.now == pytest.approx(places[1] + pacer.window), "held back by the window"
    pacer.take()
    assert pacer.next_place() == pytest.approx(places[2] + pacer.window), "as the window frees"


def test_a_single_429_concerns_its_own_message() -> None:
    limits = SendLimits(30, 1, start_after=0, clock=FakeClock())
    for _ in range(FLOOD_WINDOW - 1):
        limits.record(False)
    assert limits.record(True, 1) is False
    assert limits.paused_for == 0


def test_when_429s_dominate_the_recent_answers_everyone_pauses() -> None:
    clock = FakeClock()
    limits = SendLimits(30, 1, start_after=0, clock=clock)
    answers = [True, False] * (FLOOD_WINDOW // 2 - 1)
    assert not any(limits.record(too_many, 3) for too_many in answers)
    assert limits.record(True, 3) is True, "the tenth 429 among the last twenty"
    assert limits.paused_for == 3
    assert limits.record(True, 3) is False, "after a pause, the answers are judged afresh"


async def test_a_chat_gets_one_message_per_interval() -> None:
    limits = SendLimits(1000, 20, start_after=0)  # a chat: one message every 50 ms
    started = time.monotonic()
    await limits.acquire(1)
    await limits.acquire(2)
    assert time.monotonic() - started < 0.04, "other chats do not wait"
    await limits.acquire(1)
    assert time.monotonic() - started >= 0.049


async def test_a_place_given_back_wakes_the_next_waiter_at_once() -> None:
    pacer = Pacer(2)  # a place every half second
    first = await pacer.acquire()
    waiter = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    pacer.refund(first)
    started = time.monotonic()
    await asyncio.wait_for(waiter, 1.0)
    assert time.monotonic() - started < 0.1

"""Matching: the optimal batch of 10,000 families and 2,000 buddies, next to first come, first
served.

`propose` (the optimal assignment with SciPy) and `greedy` (each family in turn takes the best
buddy still free) run on the same batch from bench/instances.py, the generator the unit tests
prove optimality on. Times are medians of repeated runs; memory is the process's peak RSS
(which includes Python, NumPy and SciPy themselves) and tracemalloc's peak during one call.

python -m bench.matching [--quick]   # --quick: a fifth of the sizes
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence

from bench.common import Row, fmt, main, median, peak_rss_mb
from bench.instances import LANGUAGES, random_instance
from bot.domain.buddies.assignment import greedy, propose
from bot.domain.buddies.matching import Batch, Request, Volunteer

FAMILIES, VOLUNTEERS = 10_000, 2_000
SEED = 2026
RUNS = 3
TARGET_SECONDS = 10.0

Solver = Callable[[Sequence[Volunteer], Sequence[Request]], Batch]


def timed(solve: Solver, pool: list[Volunteer], requests: list[Request]) -> tuple[float, Batch]:
    """The median time of RUNS calls, and the batch (the same every time: it is checked)."""
    seconds: list[float] = []
    batches: list[Batch] = []
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        batches.append(solve(pool, requests))
        seconds.append(time.perf_counter() - started)
    if any(batch != batches[0] for batch in batches):
        raise RuntimeError(f"{solve.__name__} gave different batches for the same input")
    return median(seconds), batches[0]


def traced_peak_mb(solve: Solver, pool: list[Volunteer], requests: list[Request]) -> float:
    """The most memory Python and NumPy held at once during one call, above what was held
    before it (untimed: tracing slows the call down)."""
    gc.collect()
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        solve(pool, requests)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - held) / 2**20


def run(args: argparse.Namespace) -> list[Row]:
    scale = 5 if args.quick else 1
    families, volunteers = FAMILIES // scale, VOLUNTEERS // scale
    pool, requests = random_instance(SEED, families, volunteers, LANGUAGES)
    size = f"{families:,} families x {volunteers:,} buddies"
    before = peak_rss_mb()  # Python, NumPy, SciPy and the batch itself

    optimal_seconds, optimal = timed(propose, pool, requests)
    greedy_seconds, first_come = timed(greedy, pool, requests)
    peak = peak_rss_mb()  # read before tracemalloc adds its own bookkeeping
    optimal_traced = traced_peak_mb(propose, pool, requests)
    greedy_traced = traced_peak_mb(greedy, pool, requests)

    matched, matched_first_come = len(optimal.proposals), len(first_come.proposals)
    return [
        Row(
            "Matching",
            f"optimal batch, {size}: time (s, median of {RUNS}; baseline: greedy)",
            fmt(optimal_seconds),
            fmt(greedy_seconds),
            fmt(optimal_seconds / greedy_seconds),
            f"< {TARGET_SECONDS:.0f} s",
            optimal_seconds < TARGET_SECONDS,
        ),
        Row(
            "Matching",
            "total score (baseline: greedy, first come first served)",
            fmt(optimal.total, 1),
            fmt(first_come.total, 1),
            fmt(optimal.total / first_come.total, 3),
            "ratio >= 1",
            optimal.total >= first_come.total,
        ),
        Row(
            "Matching",
            f"families given a buddy, of {families:,} (baseline: greedy)",
            f"{matched:,}",
            f"{matched_first_come:,}",
            fmt(matched / matched_first_come, 3) if matched_first_come else "-",
        ),
        Row(
            "Matching",
            "peak RSS of the process, MB (baseline: before the first batch, "
            "with NumPy, SciPy and the input)",
            fmt(peak, 0),
            fmt(before, 0),
        ),
        Row(
            "Matching",
            "tracemalloc peak during one call, MB (baseline: greedy)",
            fmt(optimal_traced, 0),
            fmt(greedy_traced, 0),
            fmt(optimal_traced / greedy_traced) if greedy_traced else "-",
        ),
    ]


if __name__ == "__main__":
    main(run, "Matching: the optimal batch against first come, first served.")

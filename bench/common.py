"""What every benchmark shares: a row of the results table, medians, peak memory, the output.

A benchmark module runs as its own process (`python -m bench.<name> --json`) so that its peak
memory and its CPU are its own; it prints its rows as one JSON list on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

# The bot token every benchmark's simulator accepts (a made-up one, in Telegram's form).
TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbench12345"


def workspace() -> tempfile.TemporaryDirectory[str]:
    """A folder for one benchmark's databases, flows and logs, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="silta-bench-")


@dataclass
class Row:
    """One line of the table: a measure of Silta, its baseline, and the target it must meet."""

    group: str  # "Interactive", "Broadcast", "Reminders", "Matching", "Start-up", "Memory"
    measure: str  # what was measured, with its unit
    silta: str  # Silta's figure, formatted
    baseline: str = "-"  # the baseline's figure in the same run, formatted ("-": none)
    ratio: str = "-"  # Silta / baseline (or the fraction the target speaks of), formatted
    target: str = "-"  # e.g. "ratio >= 0.7", "< 1 s" ("-": reported, no target)
    met: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` (0..1) of the values lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def main(run: Callable[[argparse.Namespace], list[Row]], describe: str) -> None:
    """Entry point of one benchmark module: `--quick` for a smaller run, `--json` for the
    runner (rows as JSON on the last line), else a readable list."""
    parser = argparse.ArgumentParser(description=describe)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument("--json", action="store_true", help="rows as JSON (for bench/__main__)")
    args = parser.parse_args()
    rows = run(args)
    if args.json:
        print(json.dumps([asdict(row) for row in rows]))
    else:
        for row in rows:
            print(_plain(row))
    sys.stdout.flush()


def _plain(row: Row) -> str:
    parts = [f"{row.group}: {row.measure}: {row.silta}"]
    if row.baseline != "-":
        parts.append(f"baseline {row.baseline}")
    if row.ratio != "-":
        parts.append(f"ratio {row.ratio}")
    if row.target != "-":
        parts.append(f"target {row.target}: {row.verdict}")
    return ", ".join(parts)


def rows_from_json(text: str) -> list[Row]:
    data: list[dict[str, Any]] = json.loads(text.strip().splitlines()[-1])
    return [Row(**item) for item in data]

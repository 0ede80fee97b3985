"""Run every benchmark, print one table and write it to bench/results.md.

scripts/bench                 # everything (about ten minutes on two cores)
scripts/bench --quick         # smaller sizes, for a first look
scripts/bench --only matching reminders
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from bench.common import Row, rows_from_json

BENCHMARKS = ("startup", "interactive", "broadcast", "reminders", "matching")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> None:
    parser = argparse.ArgumentParser(description="Silta's benchmarks, against baselines.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    parser.add_argument(
        "--output", type=Path, default=HERE / "results.md", help="where to write the table"
    )
    args = parser.parse_args()
    rows: list[Row] = []
    failures: list[str] = []
    started = time.monotonic()
    for name in args.only or BENCHMARKS:
        print(f"== {name}", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", f"bench.{name}", "--json"]
        if args.quick:
            command.append("--quick")
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            failures.append(f"{name} (exit {done.returncode})")
            continue
        rows.extend(rows_from_json(done.stdout))
    table = render(rows)
    print(table)
    report = header(args.quick, time.monotonic() - started) + table + footer(rows, failures)
    args.output.write_text(report, encoding="utf-8")
    print(f"Written to {args.output}", file=sys.stderr)
    sys.exit(1 if failures else 0)


def render(rows: list[Row]) -> str:
    lines = [
        "| Group | Measure | Silta | Baseline | Ratio | Target | |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.group} | {row.measure} | {row.silta} | {row.baseline} | {row.ratio} "
            f"| {row.target} | {row.verdict} |"
        )
    return "\n".join(lines) + "\n"


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return [
        f"- Machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, {memory} memory",
        f"- System: {platform.platform()}, Python {platform.python_version()}",
        f"- Libraries: aiogram {version('aiogram')}, SQLAlchemy {version('sqlalchemy')}, "
        f"aiohttp {version('aiohttp')}, SciPy {version('scipy')}",
        f"- Silta: commit {commit or '?'}",
    ]


def header(quick: bool, seconds: float) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    size = "quick sizes (--quick)" if quick else "full sizes"
    return (
        "# Silta benchmark results\n\n"
        f"Run on {now} with {size}, in {seconds / 60:.1f} minutes "
        "(`scripts/bench`; see bench/README.md for what each row means).\n\n"
        + "\n".join(machine())
        + "\n\n"
    )


def footer(rows: list[Row], failures: list[str]) -> str:
    missed = [f"{row.group}: {row.measure}" for row in rows if row.met is False]
    text = "\n"
    if missed:
        text += "Missed targets: " + "; ".join(missed) + ".\n"
    else:
        text += "Every target was met.\n" if rows else ""
    if failures:
        text += "Benchmarks that failed to run: " + ", ".join(failures) + ".\n"
    return text


if __name__ == "__main__":
    main()

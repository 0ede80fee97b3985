"""Start-up: from the process's spawn to its first getUpdates, Silta with 50 flows loaded and
checked next to the bare aiogram echo bot, alternating, on the same simulator.

Silta's start is a restart (the database already migrated), which is what happens on every
deploy; the first start on an empty database (migrations) is reported too, without a target.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

from bench.common import TOKEN, Row, fmt, main, median, workspace
from bench.processes import ROOT, start
from bot.simulator.server import SimulatorServer

FLOWS = 50


def fifty_flows(folder: Path, count: int = FLOWS) -> list[str]:
    """`count` flows: the real ones, then copies of them under new ids (a copy calls the
    copies of the flows it calls), so the library is as big as a large programme's."""
    # Flows that call others come last, so a cut-off group never lacks a flow it calls.
    paths = sorted((ROOT / "flows").glob("*.yaml"))
    texts = {path: path.read_text(encoding="utf-8") for path in paths}
    originals = dict(sorted(texts.items(), key=lambda item: ("call:" in item[1], item[0].name)))
    ids = {re.search(r"^id: (\S+)$", text, re.M).group(1) for text in originals.values()}  # type: ignore[union-attr]
    (folder / "flow.schema.json").write_text(
        (ROOT / "flows" / "flow.schema.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    written: list[str] = []
    copy = 0
    while len(written) < count:
        for text in originals.values():
            if len(written) >= count:
                break
            if copy:
                for flow_id in ids:
                    text = re.sub(
                        rf"^(id|\s+call): {re.escape(flow_id)}$",
                        rf"\1: {flow_id}-{copy}",
                        text,
                        flags=re.M,
                    )
            flow_id = re.search(r"^id: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
            (folder / f"{flow_id}.yaml").write_text(text, encoding="utf-8")
            written.append(flow_id)
        copy += 1
    return written


async def measure(rounds: int) -> list[Row]:
    simulator = SimulatorServer(TOKEN)
    await simulator.start()
    times: dict[str, list[float]] = {"bare": [], "silta": []}
    first_start = 0.0
    try:
        with workspace() as tmp:
            folder = Path(tmp)
            flows = folder / "flows"
            flows.mkdir()
            fifty_flows(flows)
            env = {
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'silta.db'}",
                "FLOWS_DIR": str(flows),
            }
            # The first start migrates an empty database: shown, not compared.
            bot = await start("silta", simulator, env, folder)
            first_start = bot.polling_after or 0.0
            await bot.stop()
            for _ in range(rounds):
                for kind in ("bare", "silta"):
                    bot = await start(kind, simulator, env, folder)
                    times[kind].append(bot.polling_after or 0.0)
                    if await bot.stop() != 0:
                        raise RuntimeError(f"the {kind} bot did not stop cleanly; see {bot.log}")
            refused = [
                line
                for line in (folder / "silta.log").read_text().splitlines()
                if "flow_refused" in line
            ]
            if refused:
                raise RuntimeError(f"flows were refused at start: {refused[:3]}")
    finally:
        await simulator.stop()
    bare, silta = median(times["bare"]), median(times["silta"])
    ratio = silta / bare
    return [
        Row(
            "Start-up",
            f"spawn to first getUpdates, {FLOWS} flows, restart (median of {rounds})",
            f"{fmt(silta)} s",
            f"{fmt(bare)} s",
            fmt(ratio),
            "ratio <= 1.2",
            ratio <= 1.2,
        ),
        Row("Start-up", "first start on an empty database (migrations)", f"{fmt(first_start)} s"),
    ]


def run(args: argparse.Namespace) -> list[Row]:
    return asyncio.run(measure(3 if args.quick else 7))


if __name__ == "__main__":
    main(run, __doc__ or "")

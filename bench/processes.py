"""Starting a bot as its own process against the in-process simulator, and watching it.

Both the bare echo bot and Silta run as real processes (`python -m bench.bare_bot`,
`python -m bot run`), so their start-up, memory and CPU are their own and the simulator's
work is not counted against either.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.common import TOKEN
from bot.simulator.server import SimulatorServer

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BotProcess:
    """A running bot process and what was seen of it."""

    kind: str  # "bare" or "silta"
    process: asyncio.subprocess.Process
    started: float  # monotonic time of the spawn
    polling_after: float | None = None  # seconds from spawn to its first getUpdates
    peak_rss: float = 0.0  # MB, sampled while it runs (VmHWM at the end if readable)
    log: Path = field(default_factory=Path)

    def sample(self) -> None:
        """Note the process's peak resident memory (the kernel's high-water mark)."""
        self.peak_rss = max(self.peak_rss, high_water_mb(self.process.pid))

    async def stop(self) -> int:
        self.sample()
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()


def high_water_mb(pid: int) -> float:
    """Peak resident memory of a process so far (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        return float(psutil.Process(pid).memory_info().rss) / 1024 / 1024
    except psutil.Error:
        return 0.0


def bot_environment(simulator: SimulatorServer, extra: dict[str, str]) -> dict[str, str]:
    """The environment a bot process gets: this one's, minus Silta's settings, plus these."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "COORDINATOR_", "FLOWS_"))
    }
    return {
        **keep,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{simulator.port}",
        **extra,
    }


async def start(
    kind: str, simulator: SimulatorServer, env: dict[str, str], workdir: Path
) -> BotProcess:
    """Spawn a bot and return once it has asked for updates for the first time."""
    module = ["bench.bare_bot"] if kind == "bare" else ["bot", "run"]
    seen = sum(1 for method, _ in simulator.world.calls if method.lower() == "getupdates")
    log = workdir / f"{kind}.log"
    with log.open("ab") as out:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *module,
            env=bot_environment(simulator, env),
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    bot = BotProcess(kind, process, started, log=log)
    deadline = started + 120
    while time.monotonic() < deadline:
        polls = sum(1 for method, _ in simulator.world.calls if method.lower() == "getupdates")
        if polls > seen:
            bot.polling_after = time.monotonic() - started
            bot.sample()
            return bot
        if process.returncode is not None:
            break
        await asyncio.sleep(0.002)
    await bot.stop()
    raise RuntimeError(f"the {kind} bot did not start polling; see {log}")

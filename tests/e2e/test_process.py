"""`silta run` as a real process: settings from the environment, logs, and a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bot.simulator.server import SimulatorServer
from tests.conftest import TOKEN
from tests.e2e.helpers import tr

SECRET_TEXT = "my phone is 040 1234567"


async def start_bot(env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    log = log_path.open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stdout=log, stderr=log, cwd=log_path.parent
    )


async def stop_bot(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 20)


async def test_run_process_restart_and_logs(
    simulator: SimulatorServer, join: Any, tmp_path: Path
) -> None:
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "COORDINATOR_"))
        },
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{simulator.port}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'silta.db'}",
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "bot.log"
    process = await start_bot(env, log_path)
    try:
        chat = await join(41, "ar", "Omar")
        await chat.send("/start")
        await chat.expect(tr("Which language should I use? Tap your language.", "ar"), timeout=60)
        await chat.press("Eesti")
        await chat.expect(tr("Do you agree?", "et"))
        await chat.press(tr("I agree", "et"))
        await chat.expect(tr("Who are you?", "et"))
        await chat.press(tr("Volunteer buddy", "et"))
        await chat.expect(tr("Main menu. What would you like to do?", "et"))
        await chat.reply_after(lambda: chat.send(SECRET_TEXT))
    finally:
        assert await stop_bot(process) == 0

    process = await start_bot(env, log_path)
    try:
        await chat.reply_after(lambda: chat.send("/menu"), timeout=60)
        assert chat.last_text() == tr("Main menu. What would you like to do?", "et")
        assert tr("Change my role", "et") in " ".join(chat.buttons())
    finally:
        assert await stop_bot(process) == 0

    lines = log_path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(events) == len([line for line in lines if line.strip()]), (
        "every log line is one JSON event"
    )
    assert any(event["event"] == "update" and event["kind"] == "message" for event in events)
    whole = "\n".join(lines)
    assert TOKEN not in whole and TOKEN.split(":")[1] not in whole, (
        "the token never reaches the logs"
    )
    assert SECRET_TEXT not in whole and "Omar" not in whole, (
        "users' words and names never reach the logs"
    )


async def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TOKEN": "123:abc", "DATABASE_URL": "sqlite+aiosqlite:///x.db"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines() == [
        "Invalid setting BOT_TOKEN: expected the form 123456789:ABC... that @BotFather gives"
    ]

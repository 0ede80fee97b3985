"""Demo mode: the local Telegram simulator, the bot against it and the web chat, in one process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog

from bot.app import SiltaApp, build_app
from bot.config import Settings
from bot.db.models import utcnow
from bot.simulator.server import SimulatorServer

log = structlog.get_logger("silta.demo")

DEMO_TOKEN = "123456789:SILTA-DEMO-TOKEN-not-a-real-one"
DEMO_DATABASE_URL = "sqlite+aiosqlite:///silta-demo.db"

PERSONAS: list[dict[str, Any]] = [
    {"id": 1001, "first_name": "Amina", "language_code": "ar", "role": "parent"},
    {"id": 1002, "first_name": "Mikko", "language_code": "fi", "role": "buddy"},
    {"id": 1003, "first_name": "Laura", "language_code": "fi", "role": "coordinator"},
    {"id": 1004, "first_name": "Oksana", "language_code": "uk", "role": "parent"},
    {"id": 1005, "first_name": "Hodan", "language_code": "so", "role": "parent"},
    {"id": 1006, "first_name": "Yusuf", "language_code": "ar", "role": "buddy"},
]


def demo_settings(settings: Settings) -> Settings:
    """The operator's settings with the simulator's URL, a demo database and the demo coordinator."""
    coordinators = {int(str(p["id"])) for p in PERSONAS if p["role"] == "coordinator"}
    database_url = settings.database_url
    if "database_url" not in settings.model_fields_set:
        database_url = DEMO_DATABASE_URL
    return settings.model_copy(
        update={
            "bot_token": DEMO_TOKEN,
            "database_url": database_url,
            "coordinator_ids": settings.coordinator_ids | coordinators,
        }
    )


async def run_demo(settings: Settings) -> None:
    """Serve the simulator and web chat, and run the bot against it until interrupted."""
    server = SimulatorServer(DEMO_TOKEN, personas=PERSONAS)
    base_url = await server.start(settings.demo_host, settings.demo_port)
    settings = demo_settings(settings).model_copy(update={"telegram_api_url": base_url})
    app = build_app(settings, DEMO_TOKEN)
    server.time_travel = _time_machine(app)
    try:
        await app.prepare()
        log.info("demo_ready", web_chat=base_url + "/", database=settings.database_url)
        print(
            f"\n  Silta demo: open {base_url}/ in your browser to chat with the bot.\n", flush=True
        )
        await app.run_polling()
    finally:
        await app.close()
        await server.stop()


def _time_machine(app: SiltaApp) -> Callable[[float], Awaitable[str]]:
    """The web chat's "a week later": the bot's jobs see a later time (check-ins and reminders
    come due), then run once. Only the demo moves its clock."""
    offset = timedelta(0)

    async def travel(days: float) -> str:
        nonlocal offset
        offset += timedelta(days=days)
        app.set_clock(lambda: utcnow() + offset)
        await app.tick()
        return app.clock().isoformat()

    return travel


def main(settings: Settings) -> None:
    asyncio.run(run_demo(settings))

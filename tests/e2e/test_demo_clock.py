"""The demo's "a week later" button: the simulator asks the bot to move its clock on and run its
jobs once, so a check-in due in a week arrives now; outside the demo there is no such button."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from bot.db.models import utcnow
from bot.demo import _time_machine
from bot.simulator.server import SimulatorServer
from tests.conftest import RunningBot


async def test_the_demo_moves_the_bot_clock_on(
    running_bot: RunningBot, simulator: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    app = running_bot.app
    assert app is not None
    url = f"http://127.0.0.1:{simulator.port}/sim/api"
    async with http.post(f"{url}/clock", json={"days": 7}) as response:
        assert response.status == 404, "no clock outside the demo"
    async with http.get(f"{url}/state") as response:
        assert (await response.json())["clock"] is False

    simulator.time_travel = _time_machine(app)
    async with http.get(f"{url}/state") as response:
        assert (await response.json())["clock"] is True
    for bad in ({"days": "soon"}, {"days": 0}, {"days": 61}, [1]):
        async with http.post(f"{url}/clock", json=bad) as response:
            assert response.status == 400, bad
    before = utcnow()
    async with http.post(f"{url}/clock", json={"days": 7}) as response:
        assert response.status == 200
    async with http.post(f"{url}/clock", json={"days": 7}) as response:
        moved = (await response.json())["now"]
    ahead = app.clock() - before
    assert timedelta(days=14) <= ahead < timedelta(days=14, minutes=1)
    assert moved.startswith(str(app.clock().date()))

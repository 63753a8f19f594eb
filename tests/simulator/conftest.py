"""Fixtures for the simulator's own tests: the ASGI app in-process (fast contract tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from binfolio.simulator import Limits, SimulatorConfig, create_app
from tests.simulator.helpers import START_MS, Sim


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """A frozen market clock at a fixed start: prices repeat exactly from run to run."""
    return SimulatorConfig(scenario="steady", seed=1, speed=0, start_ms=START_MS, limits=Limits())


@pytest.fixture
async def sim(sim_config: SimulatorConfig) -> AsyncIterator[Sim]:
    """A fresh simulator app behind an httpx ASGI transport from a loopback address."""
    app = create_app(sim_config)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        yield Sim(client, app)

"""The pytest-free admin helpers in binfolio.simulator.testing."""

from __future__ import annotations

from binfolio.simulator.testing import SimulatorHandle


def test_request_log_filters_by_path(simulator: SimulatorHandle) -> None:
    import httpx

    httpx.get(f"{simulator.base_url}/api/v3/ping")
    httpx.get(f"{simulator.base_url}/api/v3/time")

    entries = simulator.requests_log(path="/api/v3/time")

    assert [e["path"] for e in entries] == ["/api/v3/time"]

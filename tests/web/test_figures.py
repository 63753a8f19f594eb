"""The dashboard's figures are `binfolio report --format json`'s, and its chart agrees with them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import END, SPIKE_AT
from tests.web.history import History

SINCE = END - timedelta(days=10)
UNTIL = END + timedelta(minutes=1)


def report_json(url: str, tmp_path: Path, *args: str) -> dict[str, object]:
    """`binfolio report --format json ARGS` as a real process on the database at ``url``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    env.update(DATABASE_URL=url, BINFOLIO_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "binfolio", "report", "--format", "json", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("query", "args"),
    [
        (
            {"from": SINCE.isoformat(), "to": UNTIL.isoformat()},
            ["--since", SINCE.isoformat(), "--until", UNTIL.isoformat()],
        ),
        ({"to": UNTIL.isoformat()}, ["--until", UNTIL.isoformat()]),
        ({"range": "7d", "to": "2026-11-19"}, ["--period", "7d", "--until", "2026-11-19"]),
    ],
    ids=["from-to", "all", "preset"],
)
async def test_overview_and_summaries_equal_the_report_json(
    history: History,
    client: httpx.AsyncClient,
    tmp_path: Path,
    query: dict[str, str],
    args: list[str],
) -> None:
    expected = report_json(history.url, tmp_path, *args)
    lines = {entry["account"]: entry for entry in expected["accounts"]}  # type: ignore[attr-defined]

    overview = (await client.get("/api/accounts", params=query)).json()
    assert {a["name"]: a["figures"] for a in overview["accounts"]} == {
        name: lines[name] for name in ("main", "savings")
    }
    assert overview["total"] == lines["all"]
    for name in ("main", "savings"):
        summary = (await client.get(f"/api/accounts/{name}/summary", params=query)).json()
        assert summary["account"]["figures"] == lines[name]
    assert lines["main"]["twr"] is not None  # the comparison was about real numbers


async def test_the_twr_index_ends_at_the_reports_twr_and_the_drawdown_bottoms_at_its_max(
    client: httpx.AsyncClient,
) -> None:
    query = {"from": SINCE.isoformat(), "to": UNTIL.isoformat()}
    figures = (await client.get("/api/accounts/main/summary", params=query)).json()
    series = (await client.get("/api/accounts/main/series", params=query)).json()
    twr = float(figures["account"]["figures"]["twr"])
    max_drawdown = float(figures["account"]["figures"]["max_drawdown"])
    assert series["twr_index"][0] == 1.0
    assert series["twr_index"][-1] == pytest.approx(1 + twr, rel=1e-9)
    assert min(series["drawdown"]) == pytest.approx(-max_drawdown, rel=1e-9)
    assert series["nav_usdt"][-1] == pytest.approx(float(figures["account"]["figures"]["nav"]))
    assert series["benchmark_usdt"][-1] == pytest.approx(
        float(figures["account"]["figures"]["benchmark_value"]), abs=0.006
    )


async def test_a_series_longer_than_max_points_is_thinned_and_keeps_its_spike(
    history: History, client: httpx.AsyncClient
) -> None:
    everything = await client.get("/api/accounts/main/series", params={"max_points": 10_000})
    full = everything.json()
    assert full["total_points"] == full["returned_points"] == len(history.times)
    spike = full["nav_usdt"][SPIKE_AT]
    assert spike > 2.5 * full["nav_usdt"][SPIKE_AT - 1]

    thin = (await client.get("/api/accounts/main/series", params={"max_points": 40})).json()
    assert thin["total_points"] == len(history.times)
    assert thin["returned_points"] == len(thin["time"]) <= 40
    assert spike in thin["nav_usdt"]
    assert thin["time"][0] == full["time"][0]
    assert thin["time"][-1] == full["time"][-1]
    assert thin["time"] == sorted(thin["time"])
    assert all(value is not None for value in thin["benchmark_usdt"])


@pytest.mark.parametrize("max_points", [9, 10_001, -1])
async def test_max_points_out_of_bounds_is_a_422(
    client: httpx.AsyncClient, max_points: int
) -> None:
    response = await client.get("/api/accounts/main/series", params={"max_points": max_points})
    assert response.status_code == 422
    assert "max_points" in response.text

"""``binfolio simulator`` prints a URL and a ready account, serves until Ctrl-C, and the same
seed gives the same prices."""

from __future__ import annotations

import hashlib
import hmac
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from binfolio.entrypoints.cli import app

BINFOLIO = str(Path(sys.executable).with_name("binfolio"))


@contextmanager
def cli_simulator(*args: str) -> Iterator[dict[str, str]]:
    """Start the command, read what it printed, stop it with Ctrl-C (SIGINT)."""
    command = [BINFOLIO, "simulator", "--port", "0", *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        printed: dict[str, str] = {}
        try:
            assert process.stdout is not None
            for line in process.stdout:
                match = re.match(r"(base URL|API key|API secret):\s+(\S+)", line)
                if match:
                    printed[match[1]] = match[2]
                if "API secret" in printed:
                    break
            assert set(printed) == {"base URL", "API key", "API secret"}
            yield printed
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0


def signed_get(printed: dict[str, str], path: str) -> httpx.Response:
    query = f"timestamp={int(time.time() * 1000)}"
    signature = hmac.new(printed["API secret"].encode(), query.encode(), hashlib.sha256).hexdigest()
    return httpx.get(
        f"{printed['base URL']}{path}?{query}&signature={signature}",
        headers={"X-MBX-APIKEY": printed["API key"]},
    )


def history_before_start(url: str) -> list[list[object]]:
    """OHLC of the five minutes before the start minute: a pure function of seed and scenario."""
    start_ms = httpx.get(f"{url}/_sim/clock").json()["start_ms"]
    klines = httpx.get(
        f"{url}/api/v3/klines",
        params={
            "symbol": "BTCUSDT",
            "interval": "1m",
            "endTime": start_ms // 60_000 * 60_000 - 1,
            "limit": 5,
        },
    ).json()
    return [kline[1:5] for kline in klines]


@pytest.mark.slow  # two real processes: about 4 s
def test_cli_serves_a_ready_account_and_the_same_seed_repeats_prices() -> None:
    with cli_simulator("--scenario", "bull", "--seed", "7") as first:
        account = signed_get(first, "/api/v3/account")
        futures = signed_get(first, "/fapi/v3/account")
        first_history = history_before_start(first["base URL"])
    with cli_simulator("--scenario", "bull", "--seed", "7") as second:
        second_history = history_before_start(second["base URL"])

    assert first["base URL"].startswith("http://127.0.0.1:")
    assert account.status_code == 200
    balances = {b["asset"]: b["free"] for b in account.json()["balances"]}
    assert balances["BTC"] == "0.60000000"  # 0.5 set + a 0.1 deposit in the demo history
    assert futures.json()["positions"]
    assert len(first_history) == 5
    assert first_history == second_history
    assert first["API key"] != second["API key"]


def test_cli_refuses_an_unknown_scenario_with_exit_code_2() -> None:
    result = CliRunner().invoke(app, ["simulator", "--scenario", "moon", "--port", "0"])

    assert result.exit_code == 2
    assert "moon" in result.output


def test_cli_help_names_the_options() -> None:
    result = CliRunner().invoke(app, ["simulator", "--help"])

    assert result.exit_code == 0
    for option in ("--port", "--host", "--scenario", "--seed", "--speed"):
        assert option in result.output

"""`binfolio demo` as a user runs it: a real process, its dashboard, its webhook, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from binfolio.entrypoints.demo import Demo, DemoOptions, started_demo
from binfolio.entrypoints.demo_backfill import backfill
from binfolio.services.collect.job import snapshot_job
from tests.cli.conftest import RunCli

DAYS = 2
ACCOUNTS = {"HODL", "Trader", "Saver"}


def _free_port_pair() -> int:
    """A port P with P and P + 1 free (the dashboard and the webhook)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free consecutive ports")


class _Output:
    """The demo's stdout, read on a thread so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._process = process
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def close(self) -> None:
        """Wait for the reader to reach the end of the output, then close the pipe."""
        self._thread.join(timeout=10)
        assert self._process.stdout is not None
        self._process.stdout.close()

    def wait_for(self, text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in self.lines):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed; output:\n" + "\n".join(self.lines))
            time.sleep(0.1)

    def after(self, text: str) -> str:
        """The line after the first line containing ``text``."""
        index = next(i for i, line in enumerate(self.lines) if text in line)
        return self.lines[index + 1].strip()

    def value(self, label: str) -> str:
        line = next(line for line in self.lines if line.startswith(label))
        return line[len(label) :].split()[0]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the printed command needs curl")
def test_demo_serves_history_takes_a_signal_and_stops_on_ctrl_c(
    tmp_path: Path, clean_env: dict[str, str], run_cli: RunCli
) -> None:
    demo_dir, port = tmp_path / "demo", _free_port_pair()
    command = [sys.executable, "-m", "binfolio", "demo", "--days", str(DAYS)]
    command += ["--port", str(port), "--step", "1", "--data-dir", str(demo_dir)]
    process = subprocess.Popen(
        command, env=clean_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = _Output(process)
    try:
        output.wait_for("Ctrl-C stops everything", timeout_s=90)
        dashboard = output.value("Dashboard")
        secret = output.value("Webhook secret")
        assert dashboard == f"http://127.0.0.1:{port}"
        assert "backfilled 49 hourly runs, 147 snapshots" in "\n".join(output.lines)

        overview = httpx.get(f"{dashboard}/api/accounts", timeout=10).json()
        names = {entry["name"] for entry in overview["accounts"]}
        assert names == ACCOUNTS
        until = overview["until"]
        for name in ACCOUNTS:
            series = httpx.get(
                f"{dashboard}/api/accounts/{name}/series", params={"to": until}, timeout=10
            ).json()
            assert series["total_points"] >= DAYS * 24 + 1
            summary = httpx.get(
                f"{dashboard}/api/accounts/{name}/summary", params={"to": until}, timeout=10
            ).json()
            assert Decimal(summary["account"]["figures"]["nav"]) > 0

        # The dashboard and `binfolio report` read the same data, to the cent.
        report = run_cli(
            "--config", str(demo_dir / "binfolio.toml"), "report", "--format", "json",
            "--until", until,
        )  # fmt: skip
        assert report.returncode == 0, report.stderr
        reported = {e["account"]: e for e in json.loads(report.stdout)["accounts"]}
        for entry in overview["accounts"]:
            assert reported[entry["name"]]["nav"] == entry["figures"]["nav"]
            assert reported[entry["name"]]["twr"] == entry["figures"]["twr"]
        # Deposits and withdrawals of the backfill reached the ledger through the live run.
        assert Decimal(reported["HODL"]["net_flows_usdt"]) != 0
        assert Decimal(reported["Saver"]["net_flows_usdt"]) != 0

        curl = output.after("Send a TradingView-style signal")
        sent = subprocess.run(
            shlex.split(curl), check=False, capture_output=True, text=True, timeout=30
        )
        assert json.loads(sent.stdout)["status"] == "accepted", sent.stdout + sent.stderr
        status = httpx.get(
            output.after("see it in the trader's status").split()[-1],
            headers={"Authorization": f"Bearer {secret}"},
            timeout=10,
        ).json()
        assert status["mode"] == "paper"
        assert [s["symbol"] for s in status["recent_signals"]] == ["BTCUSDT"]

        assert (demo_dir / "exports" / "snapshots.csv").read_text().count("\n") > DAYS * 24 * 3
        assert (demo_dir / "exports" / "flows.csv").is_file()
        assert (demo_dir / "HODL.secret").stat().st_mode & 0o777 == 0o600

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, "\n".join(output.lines)
        output.wait_for("stopped", timeout_s=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        output.close()


def test_demo_refuses_to_wipe_a_directory_it_did_not_make(run_cli: RunCli, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "binfolio.db").write_text("real data")

    result = run_cli("demo", "--days", "1", "--data-dir", str(precious))

    assert result.returncode == 2
    assert "refusing to wipe it" in result.stderr
    assert (precious / "binfolio.db").read_text() == "real data"


def test_demo_says_which_port_is_taken(run_cli: RunCli, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "demo", "--days", "1", "--port", str(port), "--data-dir", str(tmp_path / "d")
        )

    assert result.returncode == 2, result.stdout + result.stderr
    assert f"could not start on port {port}" in result.stderr


@pytest.fixture
def demo_day(tmp_path: Path) -> Iterator[Demo]:
    """A started demo of one day (simulator, accounts, database), not backfilled yet."""
    with started_demo(DemoOptions(days=1), tmp_path / "demo", log=False) as demo:
        yield demo


async def test_the_backfill_values_an_hour_as_a_real_snapshot_run_does(demo_day: Demo) -> None:
    # The backfill reads wallets only after events and prices hours in process (see
    # entrypoints/demo_backfill.py); a real run at its last hour must find the same account.
    filled = await backfill(demo_day, 1)
    moment = demo_day.market_clock()()
    accounts = await asyncio.to_thread(demo_day.app.accounts)

    async with demo_day.app.exchange(len(accounts)) as exchange:
        real = await snapshot_job(
            demo_day.app.settings,
            accounts,
            demo_day.app.storage,
            exchange,
            clock=lambda: moment,
            ledger=False,
        )

    assert filled.runs == 25
    assert filled.events > 0
    assert {a.account for a in real.accounts} == ACCOUNTS
    for account in real.accounts:
        backfilled = filled.last[account.account]
        assert account.nav_usdt == backfilled.nav_usdt, account.account
        assert dict(account.wallet_totals) == dict(backfilled.wallet_totals), account.account

"""The operator hears of executed, rejected and failed signals and of the kill switch, and the
``binfolio webhook`` command refuses settings that cannot trade safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from binfolio.simulator.testing import SimulatorHandle
from tests.trading.conftest import StartWebhook
from tests.trading.support import SECRET, alert, post, trading_env


class Recorder:
    """A notifier that keeps what it was given (the apprise adapter's interface)."""

    def __init__(self) -> None:
        self.notices: list[tuple[str, str, str]] = []

    def send(self, title: str, body: str, kind: str = "info") -> bool:
        self.notices.append((title, body, kind))
        return True


def test_notices_for_executed_rejected_failed_and_paused(
    sqlite_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    recorder = Recorder()
    webhook = start_webhook(
        sqlite_url, build={"notifier": recorder}, risk__symbols='["BTCUSDT", "ETHUSDT"]'
    )
    post(webhook.url, alert("BTCUSDT", id="ok"))
    webhook.drain()
    post(webhook.url, alert("SOLUSDT", id="not-allowed"))
    simulator.set_faults(endpoint="/api/v3/order", method="POST", status=400, code=-2010, times=1)
    post(webhook.url, alert("ETHUSDT", id="refused"))
    webhook.drain()
    httpx.post(f"{webhook.url}/pause", headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)
    webhook.stop()  # background notices finish with the server
    kinds = [(title.split(": ", 1)[1], kind) for title, _, kind in recorder.notices]
    assert kinds == [
        ("BUY BTCUSDT executed", "success"),
        ("BUY SOLUSDT rejected", "warning"),
        ("BUY ETHUSDT failed", "failure"),
        ("trading paused", "warning"),
    ]
    assert "not in risk.symbols" in recorder.notices[1][1]


def test_webhook_command_refuses_live_without_confirmation_and_no_secret(
    tmp_path: Path, sqlite_url: str, simulator: SimulatorHandle
) -> None:
    env = trading_env(tmp_path, sqlite_url, simulator, mode="live")
    env.pop("WEBHOOK_SECRET_KEY")
    run = subprocess.run(
        [sys.executable, "-m", "binfolio", "webhook", "--port", "0"],
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "webhook.secret: is required" in run.stderr
    assert "trading.live_confirm: mode is live but live trading is not confirmed" in run.stderr

"""`binfolio snapshot` as the cron user runs it: its alerts arrive, once per condition."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.simulator.testing import SimulatorHandle
from tests.alerts.receivers import json_receiver


def _snapshot(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "binfolio", "snapshot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_a_cron_snapshot_sends_its_alert_once_while_the_condition_holds(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    # FOO has no market: the snapshot flags it unpriced, which is an alert.
    creds = simulator.create_account("main", balances={"spot": {"USDT": "1000", "FOO": "5"}})
    url = f"sqlite:///{tmp_path / 'binfolio.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with json_receiver() as webhook:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
        } | {
            "DATABASE_URL": url,
            "BINFOLIO_DATA_DIR": str(tmp_path / "data"),
            "BINANCE_API_KEY": creds.api_key,
            "BINANCE_API_SECRET": creds.api_secret,
            "BINFOLIO_BINANCE__BASE_URL": simulator.base_url,
            "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator.base_url,
            "BINFOLIO_ALERTS__URLS": f'["{webhook.url.replace("http://", "json://")}"]',
        }

        first = _snapshot(tmp_path, env)
        [alert] = webhook.wait_for(1)
        second = _snapshot(tmp_path, env)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "FOO" in alert["message"]
    assert webhook.titles() == [alert["title"]]  # the second run: same condition, no new alert

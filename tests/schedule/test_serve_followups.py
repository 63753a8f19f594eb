"""`binfolio serve` runs its follow-ups after each run: an alert reaches its receiver once."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.alerts.receivers import json_receiver
from tests.schedule.conftest import ServeSetup, runs, write_setup


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.slow
def test_serve_sends_an_alert_once_while_its_condition_holds(
    simulator: SimulatorHandle,
    sqlite_engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    with json_receiver() as webhook:
        setup = write_setup(
            tmp_path / "w",
            simulator,
            str(sqlite_engine.url),
            ["main"],
            collector={"schedule_cron": '"*/5 * * * * *"'},
            extra=f'[alerts]\nurls = ["{webhook.url}"]',
        )
        setups.append(setup)
        # FOO has no market: every snapshot of main flags it unpriced, which is an alert.
        simulator.set_balances("main", {"spot": {"USDT": "1000", "FOO": "5"}})
        serve = setup.start("serve", "--role", "collector")
        [alert] = webhook.wait_for(1, timeout_s=30)
        seen = len(runs(sqlite_engine))
        # Two more runs while the condition still holds.
        assert wait_until(lambda: len(runs(sqlite_engine)) >= seen + 2, 30), setup.log()
        serve.send_signal(signal.SIGTERM)

        assert serve.wait(30) == 0, setup.log()
    assert "FOO" in alert["message"]
    assert webhook.received == [alert]  # alerted once, not once per run

"""`binfolio serve` as a real process on SQLite: on time for ten slots, logs written while it
runs, GET /health and `binfolio health`, and SIGTERM mid-run leaving no partial rows, exit 0."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.adapters.storage.models import (
    LogRow,
    RunRow,
    SlotClaimRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.schedule.conftest import ServeSetup, runs, snapshots_by_account, write_setup

NAMES = ["alpha", "beta", "gamma"]
# Not faster: every run re-reads each account's withdrawal history, which Binance limits to
# 10 calls a minute per account (UID weight 18,000 of 180,000); the limiter would hold runs back.
EVERY_10_S = '"*/10 * * * * *"'


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def run_under_way(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.scalar(select(RunRow.id).where(RunRow.status == "running")) is not None


@pytest.mark.slow
def test_serve_collects_on_time_for_ten_slots_and_reports_health(
    simulator: SimulatorHandle,
    sqlite_engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    port = free_port()
    setup = write_setup(
        tmp_path / "w",
        simulator,
        str(sqlite_engine.url),
        NAMES,
        collector={"schedule_cron": EVERY_10_S},
    )
    setups.append(setup)
    # The config already has [dashboard] enabled = false: turn it on through the environment.
    setup.env |= {"BINFOLIO_DASHBOARD__ENABLED": "true", "BINFOLIO_DASHBOARD__PORT": str(port)}
    before = subprocess.run(
        [sys.executable, "-m", "binfolio", "health"],
        cwd=setup.workdir,
        env=setup.env,
        capture_output=True,
        text=True,
        check=False,
    )

    serve = setup.start("serve")

    def slots() -> list:
        with Session(sqlite_engine) as session:
            return list(session.scalars(select(SlotClaimRow.slot_start).distinct()))

    assert wait_until(lambda: len(slots()) >= 12, timeout_s=150, interval_s=0.5), setup.log()
    logs_while_running = count(sqlite_engine, LogRow)
    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(30) == 0, setup.log()
    after = subprocess.run(
        [sys.executable, "-m", "binfolio", "health", "--json"],
        cwd=setup.workdir,
        env=setup.env,
        capture_output=True,
        text=True,
        check=False,
    )

    with Session(sqlite_engine) as session:
        claims = session.execute(select(SlotClaimRow.slot_start, SlotClaimRow.claimed_at)).all()
    by_slot: dict = {}
    for slot, claimed_at in claims:
        by_slot.setdefault(slot, []).append(claimed_at)
    ordered = sorted(by_slot)[1:11]  # the first is the catch-up of the slot before the start
    assert [b - a for a, b in pairwise(ordered)] == [timedelta(seconds=10)] * 9
    for slot in ordered:
        assert len(by_slot[slot]) == len(NAMES)  # every account, once
        assert max(by_slot[slot]) - slot < timedelta(seconds=1.5), "late"
    snapshots = snapshots_by_account(sqlite_engine)
    assert all(sum(status == "complete" for _, status in snapshots[n]) >= 11 for n in NAMES)
    assert logs_while_running > 0  # flushed while it ran, not only at exit
    assert health.status_code == 200  # the dashboard's own, or ours where it has none
    assert health.json()["status"] == "ok"
    assert before.returncode == 1
    assert "alpha: no complete snapshot yet" in before.stderr
    assert after.returncode == 0, after.stderr
    assert '"status": "ok"' in after.stdout


def _no_partial_rows(engine: Engine) -> None:
    with Session(engine) as session:
        snapshots = session.scalars(select(SnapshotRow)).all()
        for snapshot in snapshots:
            assets = session.scalar(
                select(func.count())
                .select_from(SnapshotAssetRow)
                .where(SnapshotAssetRow.snapshot_id == snapshot.id)
            )
            assert assets == 2, f"snapshot {snapshot.id} has {assets} asset rows"  # USDT, BTC


def _serve_in_a_slow_run(
    simulator: SimulatorHandle,
    engine: Engine,
    workdir: Path,
    latency_ms: int,
    setups: list[ServeSetup],
) -> tuple[ServeSetup, subprocess.Popen[str]]:
    """`serve` whose only run (the start-up catch-up: the schedule is yearly) is under way,
    Binance answering each account's spot request after ``latency_ms``."""
    setup = write_setup(
        workdir, simulator, str(engine.url), NAMES, collector={"schedule_cron": '"0 0 1 1 *"'}
    )
    setups.append(setup)
    simulator.set_faults(endpoint="/api/v3/account", latency_ms=latency_ms)
    serve = setup.start("serve")
    assert wait_until(lambda: run_under_way(engine), timeout_s=30), setup.log()
    return setup, serve


@pytest.mark.slow
def test_sigterm_mid_run_lets_the_run_finish_then_exits_0(
    simulator: SimulatorHandle,
    sqlite_engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    setup, serve = _serve_in_a_slow_run(simulator, sqlite_engine, tmp_path / "w", 2500, setups)

    serve.send_signal(signal.SIGTERM)

    assert serve.wait(30) == 0, setup.log()
    (run,) = runs(sqlite_engine)
    assert run.status == "complete"  # it finished rather than stopping half-way
    assert sorted(snapshots_by_account(sqlite_engine)) == NAMES
    _no_partial_rows(sqlite_engine)
    assert "SIGTERM: stopping after the run under way" in setup.log()


@pytest.mark.slow
def test_a_second_sigterm_abandons_the_run_without_partial_rows(
    simulator: SimulatorHandle,
    sqlite_engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    setup, serve = _serve_in_a_slow_run(simulator, sqlite_engine, tmp_path / "w", 20_000, setups)

    serve.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    abandoned_at = time.monotonic()
    serve.send_signal(signal.SIGTERM)

    assert serve.wait(30) == 0, setup.log()
    assert time.monotonic() - abandoned_at < 10  # did not wait out Binance's 20 s
    assert "abandoning the run under way" in setup.log()
    assert snapshots_by_account(sqlite_engine) == {}  # nothing half-written
    _no_partial_rows(sqlite_engine)

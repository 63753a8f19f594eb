"""A process killed in the middle of a run leaves whole snapshots or none (a real SIGKILL)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import AccountRow, RunRow, SnapshotAssetRow, SnapshotRow
from binfolio.domain.clock import utc_now
from binfolio.simulator.testing import SimulatorHandle
from tests.services.collect_support import run as run_collect
from tests.services.collect_support import target

SCRIPT = Path(__file__).with_name("kill_run.py")
ROOT = Path(__file__).parents[2]


def test_a_run_killed_inside_a_transaction_leaves_no_half_written_snapshot(
    simulator: SimulatorHandle, db_url: str, engine: Engine
) -> None:
    balances = {"spot": {"USDT": "100", "BTC": "1", "ETH": "2"}, "futures": {"USDT": "5"}}
    accounts = [simulator.create_account(name, balances=balances) for name in ("a", "b", "c")]
    payload = json.dumps(
        [{"name": a.name, "api_key": a.api_key, "api_secret": a.api_secret} for a in accounts]
    )
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), simulator.base_url, db_url, payload, "b"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    # Inside b's transaction: a's 4 rows committed, b's 4 flushed but not committed.
    assert line.strip() == "IN_TRANSACTION asset_rows_visible=8"
    assert process.returncode == -signal.SIGKILL

    with Session(engine) as session:
        names = dict(session.execute(select(AccountRow.id, AccountRow.name)).all())
        snapshots = session.scalars(select(SnapshotRow)).all()
        assert [names[s.account_id] for s in snapshots] == ["a"]
        assets = session.scalars(select(SnapshotAssetRow)).all()
        assert {r.snapshot_id for r in assets} == {snapshots[0].id}
        assert len(assets) == 4
        run = session.scalars(select(RunRow)).one()
        run_id = run.id
        assert run.status == "running"  # never finished; the next run marks it interrupted
        # a's counters were committed with a's snapshot; b's rolled back with b's.
        assert run.requests == 5  # spot, funding, flexible and locked Earn, futures

    # The next run, well after the dead one's deadline, marks it interrupted and completes.
    later = utc_now() + timedelta(minutes=11)
    factory = make_session_factory(engine)
    result = asyncio.run(
        run_collect(simulator, [target(a) for a in accounts], factory, clock=lambda: later)
    )
    assert result.status == "complete"
    with Session(engine) as session:
        statuses = {r.id: r.status for r in session.scalars(select(RunRow))}
    assert statuses == {run_id: "interrupted", result.run_id: "complete"}

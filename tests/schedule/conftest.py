"""Helpers to run real `binfolio serve` processes against the simulator and a real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.models import AccountRow, RunRow, SlotClaimRow, SnapshotRow
from binfolio.simulator.testing import SimulatorHandle

ROOT = Path(__file__).parents[2]
BALANCES = {"spot": {"USDT": "100", "BTC": "0.01"}}


@dataclass
class ServeSetup:
    """A working directory with binfolio.toml, and the environment that goes with it."""

    workdir: Path
    env: dict[str, str]
    names: list[str]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, *args: str, name: str = "serve") -> subprocess.Popen[str]:
        """Start ``python -m binfolio ARGS`` with its output in ``<name>.out``/``<name>.err``."""
        return self.start_script("-m", "binfolio", *args, name=name)

    def start_script(self, *argv: str, name: str) -> subprocess.Popen[str]:
        """Start ``python ARGV`` in the working directory, output in ``<name>.out``/``.err``."""
        # The child keeps its own copies of the two files; ours close at once.
        with (
            (self.workdir / f"{name}.out").open("w") as out,
            (self.workdir / f"{name}.err").open("w") as err,
        ):
            process = subprocess.Popen(
                [sys.executable, *argv],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=err,
                text=True,
            )
        self.processes.append(process)
        return process

    def log(self, name: str = "serve") -> str:
        """What a started process wrote on stderr (its log lines)."""
        return (self.workdir / f"{name}.err").read_text()

    def output(self, name: str) -> str:
        """What a started process wrote on stdout."""
        return (self.workdir / f"{name}.out").read_text()

    def stop_all(self) -> None:
        """SIGKILL whatever is still running (a failed test must not leave processes behind)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)


def write_setup(
    workdir: Path,
    sim: SimulatorHandle,
    db_url: str,
    names: list[str],
    *,
    collector: dict[str, str] | None = None,
    extra: str = "",
) -> ServeSetup:
    """Accounts in the simulator (Earn off: fewer requests) and a config naming them."""
    workdir.mkdir(parents=True, exist_ok=True)
    lines = [
        f"data_dir = {str(workdir / 'data')!r}",
        "[binance]",
        f'base_url = "{sim.base_url}"',
        f'futures_base_url = "{sim.base_url}"',
        "[collector]",
        "reconcile = false",
        *(f"{key} = {value}" for key, value in (collector or {}).items()),
        "[dashboard]",
        "enabled = false",
        "[webhook]",
        "enabled = false",
        extra,
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_"))
        and k not in {"DATABASE_URL", "LOG_FILE_PATH", "WEBHOOK_SECRET_KEY"}
    }
    for name in names:
        creds = sim.create_account(name, balances=BALANCES)
        variable = name.upper().replace("-", "_")
        lines += [
            "[[accounts]]",
            f'name = "{name}"',
            f'api_key_env = "{variable}_KEY"',
            f'api_secret_env = "{variable}_SECRET"',
            "wallets = { earn = false }",
        ]
        env |= {f"{variable}_KEY": creds.api_key, f"{variable}_SECRET": creds.api_secret}
    (workdir / "binfolio.toml").write_text("\n".join(lines) + "\n")
    env |= {"DATABASE_URL": db_url, "COLUMNS": "200", "PYTHONPATH": str(ROOT / "src")}
    return ServeSetup(workdir, env, names)


@pytest.fixture
def setups() -> Iterator[list[ServeSetup]]:
    """Every setup a test makes; their processes are killed at the end whatever happens."""
    made: list[ServeSetup] = []
    yield made
    for setup in made:
        setup.stop_all()


def claims_by_slot(engine: Engine) -> dict[datetime, list[tuple[str, str]]]:
    """{slot: [(account, collector id), ...]} from the claims table."""
    with Session(engine) as session:
        rows = session.execute(
            select(SlotClaimRow.slot_start, AccountRow.name, SlotClaimRow.collector_id).join(
                AccountRow, AccountRow.id == SlotClaimRow.account_id
            )
        ).all()
    slots: dict[datetime, list[tuple[str, str]]] = {}
    for slot, name, collector in rows:
        slots.setdefault(slot, []).append((name, collector))
    return slots


def snapshots_by_account(engine: Engine) -> dict[str, list[tuple[datetime, str]]]:
    """{account: [(taken_at, status), ...]} oldest first."""
    with Session(engine) as session:
        rows = session.execute(
            select(AccountRow.name, SnapshotRow.taken_at, SnapshotRow.status)
            .join(AccountRow, AccountRow.id == SnapshotRow.account_id)
            .order_by(SnapshotRow.taken_at)
        ).all()
    found: dict[str, list[tuple[datetime, str]]] = {}
    for name, taken_at, status in rows:
        found.setdefault(name, []).append((taken_at, status))
    return found


def runs(engine: Engine) -> list[RunRow]:
    """Every run record, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(RunRow).order_by(RunRow.started_at)))

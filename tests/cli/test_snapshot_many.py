"""Regression for issue 9: `binfolio snapshot` of 40 accounts, default settings, must finish.

With 16 or more accounts the collector once blocked its event loop on a database call (the
ledger hook's ``session.scalar`` waiting for one of the 15 pooled connections held by accounts
that were themselves waiting on the loop), and the command never finished. These tests run the
real command as a process with everything a user gets by default (ledger, reconciliation, every
wallet, default concurrency) against the simulator over HTTP, on SQLite and on PostgreSQL. A hang
fails the test after ``TIMEOUT_S`` with the tail of the process's stderr; it never blocks the
suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.simulator.testing import Credentials, SimulatorHandle, write_accounts_config

ACCOUNTS = 40
TIMEOUT_S = 60.0
BTC_PRICE = Decimal(60000)


def _balances(index: int) -> dict[str, dict[str, str]]:
    """Every wallet holds something, and each account a different amount (NAVs differ)."""
    return {
        "spot": {"USDT": str(1000 + index), "BTC": "0.5"},
        "funding": {"USDT": "20"},
        "earn_flexible": {"USDT": "30"},
        "earn_locked": {"BTC": "0.01"},
        "futures": {"USDT": str(250 + index)},
    }


def _write_config(
    workdir: Path, sim: SimulatorHandle, accounts: list[Credentials]
) -> dict[str, str]:
    """A binfolio.toml with only what a user must write: the simulator's URL and the accounts."""
    return write_accounts_config(
        workdir / "binfolio.toml", sim.base_url, accounts, extra=["[logging]", 'level = "WARNING"']
    )


def _nav_held(sim: SimulatorHandle, name: str) -> Decimal:
    """What the simulator holds for the account, valued at its (frozen) prices."""
    prices = {symbol: Decimal(p) for symbol, p in sim.prices().items()}
    balances = sim.account(name)["balances"]
    amounts: list[tuple[str, Decimal]] = [
        (asset, Decimal(row["free"]) + Decimal(row["locked"]))
        for asset, row in balances["spot"].items()
    ]
    for wallet in ("funding", "earn_flexible", "earn_locked", "futures"):
        amounts += [(asset, Decimal(value)) for asset, value in balances[wallet].items()]
    return sum(
        (
            amount if asset == "USDT" else amount * prices[f"{asset}USDT"]
            for asset, amount in amounts
        ),
        Decimal(0),
    )


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()[-lines:])


def _run_snapshot(workdir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`binfolio snapshot --json` as a process; a run over ``TIMEOUT_S`` fails the test."""
    command = [sys.executable, "-m", "binfolio", "snapshot", "--json"]
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        hung = True
    else:
        hung = False
    if hung:  # failed outside the except block: the report is the process's, not a chain
        pytest.fail(
            f"`binfolio snapshot` of {ACCOUNTS} accounts did not finish in {TIMEOUT_S:.0f} s "
            f"(killed; the issue 9 hang?). Last lines of its stderr:\n{_tail(stderr)}",
            pytrace=False,
        )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _snapshot_many(
    url: str, tmp_path: Path, clean_env: dict[str, str], sim: SimulatorHandle
) -> None:
    """40 accounts in the simulator and in binfolio.toml; one run; every figure checked."""
    sim.set_prices({"BTCUSDT": str(BTC_PRICE)})
    accounts = [sim.create_account(f"acct{i:02d}", balances=_balances(i)) for i in range(ACCOUNTS)]
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = clean_env | _write_config(workdir, sim, accounts) | {"DATABASE_URL": url}

    result = _run_snapshot(workdir, env)

    assert result.returncode == 0, f"exit {result.returncode}; stderr:\n{_tail(result.stderr)}"
    data = json.loads(result.stdout)
    statuses = {a["account"]: a["status"] for a in data["accounts"]}
    assert sorted(statuses) == [c.name for c in accounts]
    assert set(statuses.values()) == {"complete"}, {
        a["account"]: a["errors"] for a in data["accounts"] if a["status"] != "complete"
    }
    navs = {a["account"]: Decimal(a["nav_usdt"]) for a in data["accounts"]}
    assert navs == {c.name: _nav_held(sim, c.name) for c in accounts}
    assert navs["acct07"] == 1007 + 20 + 30 + Decimal("0.51") * BTC_PRICE + 257  # 31,914
    assert all(not a["reconciliation"]["flagged"] for a in data["accounts"])


def test_40_accounts_complete_on_sqlite(
    tmp_path: Path, clean_env: dict[str, str], simulator: SimulatorHandle
) -> None:
    _snapshot_many(f"sqlite:///{tmp_path / 'binfolio.db'}", tmp_path, clean_env, simulator)


@pytest.mark.postgres
def test_40_accounts_complete_on_postgres(
    postgres_schema_url: str, tmp_path: Path, clean_env: dict[str, str], simulator: SimulatorHandle
) -> None:
    _snapshot_many(postgres_schema_url, tmp_path, clean_env, simulator)

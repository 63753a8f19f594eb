"""End to end: snapshot, deposit, price move, withdrawal with fee, price move, snapshot, then
`binfolio report --format json` as a real process gives the numbers worked out by hand.

The runs go through ``snapshot_job`` (what `binfolio snapshot` runs) with the clock injected,
so that the collector's clock and the simulator's frozen market clock tell the same time.
Prices are set at the instant the market clock reads, or at the last millisecond of a flow's
minute, so every ticker price and kline close is exactly the price that was set.

Account "main": 10000 USDT + 0.1 BTC; benchmark 50/50 BTC/ETH (next rebalance Monday).

- 10:00 snapshot, BTC 50000, ETH 2500: NAV = 10000 + 5000 = 15000; benchmark (0.15 BTC, 3 ETH)
- 11:00 deposit 5000 USDT (closes BTC 50000, ETH 2500): benchmark + (0.05, 1) = (0.2, 4)
- 12:00 prices move to BTC 60000, ETH 3000
- 13:00 withdrawal 0.05 BTC + 0.0005 fee = 0.0505 × 60000 = 3030 USDT out;
  benchmark B = 12000 + 12000 = 24000 → keep 20970 / 24000 → (0.17475, 3.495)
- 14:00 prices move to BTC 66000, ETH 3300; snapshot:
  NAV = 15000 USDT + 0.0495 BTC × 66000 = 18267;  B = 11533.5 + 11533.5 = 23067

One interval 10:00 → 14:00; the deposit weighs (14 − 11) / 4 = 0.75, the withdrawal 0.25:
  capital = 15000 + 0.75 × 5000 − 0.25 × 3030 = 17992.5; net flows = 5000 − 3030 = 1970
  TWR = (18267 − 15000 − 1970) / 17992.5 = 1297 / 17992.5
  benchmark TWR = (23067 − 15000 − 1970) / 17992.5 = 6097 / 17992.5
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.account_repo import AccountRepo
from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.bootstrap import make_exchange
from binfolio.config import Settings
from binfolio.config_load import load_settings
from binfolio.domain.clock import to_ms
from binfolio.services.accounts.registry import ResolvedAccount, resolve_accounts
from binfolio.services.collect.job import snapshot_job
from binfolio.services.collect.results import RunResult
from binfolio.simulator.testing import SimulatorHandle

D = Decimal
DAY = datetime(2026, 11, 17, tzinfo=UTC)  # a Tuesday


def at(hour: int, minute: int = 0, ms: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, milliseconds=ms)


def minute_end(hour: int) -> int:
    return to_ms(at(hour, 0, 59_999))


def ratio(value: Decimal) -> str:
    """As the report prints ratios: 10 decimals, trailing zeros dropped."""
    text = format(value.quantize(D("1e-10"), rounding=ROUND_HALF_EVEN), "f")
    return text.rstrip("0").rstrip(".")


class Clock:
    """The collector's clock, moved by the test alongside the simulator's market clock."""

    def __init__(self) -> None:
        self.now = at(10)

    def __call__(self) -> datetime:
        return self.now


async def test_report_after_flows_and_price_moves_matches_the_hand_computation(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    sim = simulator
    creds = sim.create_account("main", balances={"spot": {"USDT": "10000", "BTC": "0.1"}})
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    config = tmp_path / "binfolio.toml"
    config.write_text(
        "\n".join(
            [
                "[binance]",
                f'base_url = "{sim.base_url}"',
                f'futures_base_url = "{sim.base_url}"',
                "[database]",
                f'url = "{url}"',
                "[logging]",
                'level = "WARNING"',
                "[[accounts]]",
                'name = "main"',
                'api_key_env = "MAIN_KEY"',
                'api_secret_env = "MAIN_SECRET"',
            ]
        )
        + "\n"
    )
    env = {
        "MAIN_KEY": creds.api_key,
        "MAIN_SECRET": creds.api_secret,
        "BINFOLIO_DATA_DIR": str(tmp_path / "data"),
    }
    settings = load_settings(config, environ=env)
    accounts, problems = resolve_accounts(settings, AccountRepo(factory), env)
    assert problems == []
    clock = Clock()

    # 10:00 first snapshot.
    sim.set_clock(to_ms(at(10)))
    sim.set_prices({"BTCUSDT": "50000", "ETHUSDT": "2500"})
    first = await _snapshot(settings, accounts, factory, clock)
    assert first.accounts[0].nav_usdt == D(15000)

    # 11:00 deposit of 5000 USDT; its minute closes at unchanged prices.
    sim.set_clock(minute_end(11))
    sim.set_prices({"BTCUSDT": "50000", "ETHUSDT": "2500"})
    sim.add_deposit("main", "USDT", "5000", status=1, time_ms=to_ms(at(11)))
    # 12:00 price move.
    sim.set_clock(to_ms(at(12)))
    sim.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    # 13:00 withdrawal of 0.05 BTC with a 0.0005 BTC fee (applyTime "2026-11-17 13:00:00").
    sim.set_clock(minute_end(13))
    sim.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    sim.add_withdrawal("main", "BTC", "0.05", fee="0.0005", status=6, time_ms=to_ms(at(13)))
    # 14:00 price move and second snapshot.
    sim.set_clock(to_ms(at(14)))
    sim.set_prices({"BTCUSDT": "66000", "ETHUSDT": "3300"})
    clock.now = at(14)
    second = await _snapshot(settings, accounts, factory, clock)
    assert second.accounts[0].nav_usdt == D(18267)
    engine.dispose()

    # A real process, off the event loop (the simulator answers from its own thread).
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "binfolio",
            "--config",
            str(config),
            "report",
            "--format",
            "json",
            "--until",
            at(14, 30).isoformat(),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["until"] == at(14, 30).isoformat()
    main, total = report["accounts"]
    assert (main["account"], total["account"]) == ("main", "all")
    capital = D("17992.5")
    expected = {
        "nav": "18267.00",
        "benchmark_value": "23067.00",
        "excess_usdt": "-4800.00",
        "excess_pct": ratio(D(18267) / D(23067) - 1),
        "net_flows_usdt": "1970.00",
        "twr": ratio(D(1297) / capital),
        "benchmark_twr": ratio(D(6097) / capital),
        "alpha": ratio(D(1297) / capital - D(6097) / capital),
        "max_drawdown": "0",
        "volatility": None,
        "sharpe": None,
        "intervals": 1,
    }
    assert {key: main[key] for key in expected} == expected
    # One account: the total is the account.
    assert {key: total[key] for key in expected} == expected
    assert main["warnings"] == []


async def _snapshot(
    settings: Settings, accounts: list[ResolvedAccount], factory: sessionmaker[Session], clock: Any
) -> RunResult:
    async with make_exchange(settings, len(accounts), clock=clock) as exchange:
        return await snapshot_job(settings, accounts, SqlStorage(factory), exchange, clock=clock)

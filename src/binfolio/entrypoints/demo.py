"""`binfolio demo`: the whole product on embedded defaults, with nothing to configure.

It starts the offline Binance, opens two funded accounts there, writes a throw-away config
(SQLite in a demo data directory, keys in 0600 files), backfills a week of history — snapshots
every few hours with a deposit and a withdrawal along the way, so that the benchmark has flows to
match — and then keeps taking snapshots while the simulated market runs faster than real time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from binfolio.adapters.secret_box import write_private_file
from binfolio.adapters.storage.account_repo import AccountRepo
from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.config import Settings
from binfolio.config_load import load_settings
from binfolio.domain.clock import Clock, from_ms, to_ms, utc_now
from binfolio.errors import BinfolioError
from binfolio.services.accounts.registry import ResolvedAccount, resolve_accounts
from binfolio.services.collect.results import RunResult
from binfolio.simulator.demo import DEMO_BALANCES
from binfolio.simulator.testing import Credentials, SimulatorHandle, running_simulator

TRADING_BALANCES = {
    "spot": {"USDT": "2500", "BTC": "0.02", "SOL": "40"},
    "funding": {"USDT": "100"},
    "futures": {"USDT": "1000"},
}
HOUR = timedelta(hours=1)
DEMO_MARKER = ".binfolio-demo"


class DemoDirectoryError(BinfolioError):
    """The demo directory holds something the demo did not make; it is never wiped."""


def wipe_demo_dir(data_dir: Path) -> None:
    """Remove a previous demo's directory, and nothing else.

    Raises:
        DemoDirectoryError: when the directory exists, is not empty and has no demo marker
            (``--data-dir`` pointed at real data by mistake).
    """
    if not data_dir.exists():
        return
    if not (data_dir / DEMO_MARKER).is_file() and any(data_dir.iterdir()):
        raise DemoDirectoryError(
            f"{data_dir} is not empty and was not made by `binfolio demo`; refusing to wipe it. "
            "Choose an empty or new --data-dir"
        )
    shutil.rmtree(data_dir)


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs."""

    scenario: str = "bull"
    seed: int = 7
    backfill_days: int = 7
    backfill_step_hours: int = 6
    speed: float = 120.0
    """Simulated seconds per real second once live (prices visibly move)."""
    interval_s: float = 20.0
    port: int = 0


@dataclass
class Demo:
    """A running demo: the simulator, the settings that point at it and the accounts."""

    simulator: SimulatorHandle
    settings: Settings
    config_path: Path
    accounts: list[ResolvedAccount]
    storage: SqlStorage
    """The demo database; one engine for the demo's whole life."""

    def market_clock(self) -> Clock:
        """Our clock follows the simulated market, so snapshot times match its prices."""
        simulator = self.simulator
        return lambda: from_ms(simulator.now_ms())


def _write_config(data_dir: Path, base_url: str, logins: list[Credentials]) -> Path:
    lines = [
        "# Written by `binfolio demo`: the simulator and a demo SQLite database.",
        f"data_dir = {str(data_dir)!r}",
        "[database]",
        f"url = {'sqlite:///' + str(data_dir / 'binfolio.db')!r}",
        "[binance]",
        f"base_url = {base_url!r}",
        f"futures_base_url = {base_url!r}",
        "[collector]",
        "deadline_s = 30",
    ]
    for login in logins:
        key_file, secret_file = data_dir / f"{login.name}.key", data_dir / f"{login.name}.secret"
        write_private_file(key_file, login.api_key)
        write_private_file(secret_file, login.api_secret)
        lines += [
            "[[accounts]]",
            f"name = {login.name!r}",
            f"api_key_file = {str(key_file)!r}",
            f"api_secret_file = {str(secret_file)!r}",
        ]
    path = data_dir / "binfolio.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def started_demo(options: DemoOptions, data_dir: Path) -> Iterator[Demo]:
    """Start the simulator, open the demo accounts and a fresh demo database.

    The demo directory is wiped first: the demo always starts from the same story.
    """
    wipe_demo_dir(data_dir)
    data_dir.mkdir(parents=True, mode=0o700)
    (data_dir / DEMO_MARKER).write_text("made by `binfolio demo`; wiped at its next start\n")
    start = utc_now() - timedelta(days=options.backfill_days)
    with running_simulator(
        options.scenario, options.seed, speed=0, start_ms=to_ms(start), port=options.port
    ) as simulator:
        logins = [
            simulator.create_account(
                "main",
                balances=DEMO_BALANCES,
                positions=[{"symbol": "BTCUSDT", "amount": "0.05", "leverage": 5}],
            ),
            simulator.create_account("trading", balances=TRADING_BALANCES),
        ]
        config_path = _write_config(data_dir, simulator.base_url, logins)
        # An empty environment: the user's own BINFOLIO_*/DATABASE_URL must not leak into the demo.
        settings = load_settings(config_path, environ={}, cwd=data_dir)
        engine = make_engine(settings.database_url)
        try:
            upgrade(engine)
            factory = make_session_factory(engine)
            resolved, problems = resolve_accounts(settings, AccountRepo(factory), environ={})
            if problems:
                raise RuntimeError("; ".join(str(p) for p in problems))
            storage = SqlStorage(factory)
            try:
                yield Demo(simulator, settings, config_path, resolved, storage)
            finally:
                storage.close()
        finally:
            engine.dispose()


RunSnapshot = Callable[[Demo, Clock, bool], RunResult]
"""Takes one snapshot run: ``run(demo, clock, with_ledger)``."""


def backfill(demo: Demo, options: DemoOptions, run: RunSnapshot) -> list[RunResult]:
    """Walk the frozen market forward from the start, a snapshot every few hours.

    A deposit on the second day and a withdrawal with a fee on the fifth give the benchmark
    real flows to match. The backfill runs skip the ledger: withdrawal history costs 18,000 UID
    weight a call (ten calls a minute), and days of history pass here in seconds. The first live
    run reads the ledger back to the benchmark start in one call and rebuilds the benchmark
    with every flow, exactly as binfolio does after an outage.
    """
    simulator = demo.simulator
    start_ms = simulator.now_ms()
    steps = options.backfill_days * 24 // options.backfill_step_hours
    results: list[RunResult] = []
    for step in range(steps + 1):
        moment = from_ms(start_ms) + step * options.backfill_step_hours * HOUR
        simulator.set_clock(to_ms(moment))
        if step == 24 // options.backfill_step_hours + 1:
            simulator.add_deposit("main", "USDT", "1500", status=1, time_ms=to_ms(moment - HOUR))
        if step == 4 * 24 // options.backfill_step_hours + 1:
            simulator.add_withdrawal(
                "main", "BTC", "0.05", fee="0.0002", status=6, time_ms=to_ms(moment - HOUR)
            )
        results.append(run(demo, _fixed(moment), False))
    return results


def _fixed(moment: datetime) -> Clock:
    return lambda: moment


def go_live(demo: Demo, options: DemoOptions) -> None:
    """Let simulated time run ``speed`` times faster than real time from now on."""
    demo.simulator.set_clock(speed=options.speed)


def now_of(demo: Demo) -> datetime:
    """The simulated market's current time."""
    return from_ms(demo.simulator.now_ms())

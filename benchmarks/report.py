"""Report and benchmark-rebuild speed over a year of hourly snapshots.

Builds a database with N accounts × one year of hourly complete snapshots (default 10 × 8760 =
87,600), the runs' BTC/ETH prices, two deposits and one withdrawal a month per account, and the
cached 1-minute closes those flows and the weekly rebalances need. Then it times:

- ``benchmark rebuild`` of one account (start, 36 flows, 52 weekly rebalances, from cache);
- ``build_report`` for every account and "all" (in process);
- ``binfolio report --format json`` as a real process (includes interpreter start-up).

Usage::

    .venv/bin/python benchmarks/report.py [--accounts 10] [--days 365] [--url sqlite:///x.db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.adapters.storage.models import (
    AccountRow,
    CashFlowRow,
    KlinePriceRow,
    RunPriceRow,
    RunRow,
    SnapshotRow,
)
from binfolio.adapters.storage.report_repo import ReportRepo
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.benchmark import BasketSpec, kline_minute_ms, rebalance_times
from binfolio.domain.periods import Period
from binfolio.domain.types import Asset
from binfolio.services.benchmark.update import update_benchmark
from binfolio.services.report.figures import build_report
from binfolio.services.report.render import report_json

SPEC = BasketSpec({Asset("BTC"): Decimal("0.5"), Asset("ETH"): Decimal("0.5")}, "0 12 * * 1")
START = datetime(2025, 11, 22, tzinfo=UTC)
REPORT_TARGET_S = 2.0  # binfolio report over 87,600 snapshots (issue 5)
REBUILD_TARGET_S = 1.0  # benchmark rebuild of one account over a year


def populate(url: str, accounts: int, days: int) -> datetime:
    """Fill the database; returns the time of the last run."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(7)
    hours = days * 24
    times = [START + timedelta(hours=h, seconds=5) for h in range(hours)]
    btc, eth = [Decimal(60000)], [Decimal(3000)]
    for _ in range(hours - 1):
        btc.append((btc[-1] * Decimal(str(1 + rng.gauss(0, 0.006)))).quantize(Decimal("0.01")))
        eth.append((eth[-1] * Decimal(str(1 + rng.gauss(0, 0.008)))).quantize(Decimal("0.01")))
    run_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in times]
    with engine.begin() as connection:
        connection.execute(
            insert(RunRow),
            [
                {
                    "id": run_id,
                    "kind": "snapshot",
                    "status": "complete",
                    "started_at": t,
                    "requests": 0,
                    "weight_used": 0,
                    "errors": [],
                    "detail": {},
                }
                for run_id, t in zip(run_ids, times, strict=True)
            ],
        )
        connection.execute(
            insert(RunPriceRow),
            [
                {"run_id": run_id, "asset": asset, "price_usdt": price, "price_source": "usdt"}
                for run_id, b, e in zip(run_ids, btc, eth, strict=True)
                for asset, price in (("BTC", b), ("ETH", e))
            ],
        )
        connection.execute(
            insert(AccountRow),
            [{"name": f"acct{i:02d}", "created_at": START} for i in range(accounts)],
        )
        minutes: set[int] = set()
        for account_id in range(1, accounts + 1):
            nav = Decimal(10000 * account_id)
            flows = []
            for month in range(days // 30):
                for day, kind in ((3, "deposit"), (11, "deposit"), (20, "withdrawal")):
                    moment = START + timedelta(
                        days=30 * month + day, hours=rng.randrange(24), minutes=rng.randrange(60)
                    )
                    flows.append((moment, kind, Decimal(rng.randrange(100, 2000))))
            flows.sort()
            snapshots = []
            cursor = 0
            for index, (run_id, t) in enumerate(zip(run_ids, times, strict=True)):
                if index:
                    market = (btc[index] / btc[index - 1] + eth[index] / eth[index - 1]) / 2
                    nav = nav * market * Decimal(str(1 + rng.gauss(0, 0.002)))
                while cursor < len(flows) and flows[cursor][0] <= t:
                    moment, kind, value = flows[cursor]
                    nav += value if kind == "deposit" else -value
                    cursor += 1
                snapshots.append(
                    {
                        "run_id": run_id,
                        "account_id": account_id,
                        "taken_at": t,
                        "status": "complete",
                        "nav_usdt": nav.quantize(Decimal("0.01")),
                        "reasons": [],
                        "unpriced": [],
                        "drift_flagged": False,
                    }
                )
            connection.execute(insert(SnapshotRow), snapshots)
            connection.execute(
                insert(CashFlowRow),
                [
                    {
                        "account_id": account_id,
                        "kind": kind,
                        "binance_id": f"{account_id}-{i}",
                        "coin": "USDT",
                        "amount": value,
                        "fee": Decimal(0),
                        "time": moment,
                        "status": 1 if kind == "deposit" else 6,
                        "value_usdt": value,
                        "price_usdt": Decimal(1),
                        "price_source": "usdt",
                        "raw": {},
                        "recorded_at": moment,
                    }
                    for i, (moment, kind, value) in enumerate(flows)
                ],
            )
            minutes.update(kline_minute_ms(moment) for moment, _, _ in flows)
        minutes.update(
            kline_minute_ms(r) for r in rebalance_times(SPEC.rebalance_cron, times[0], times[-1])
        )
        connection.execute(
            insert(KlinePriceRow),
            [
                {
                    "symbol": symbol,
                    "open_time_ms": minute,
                    "close": Decimal(60000 if symbol == "BTCUSDT" else 3000),
                }
                for minute in sorted(minutes)
                for symbol in ("BTCUSDT", "ETHUSDT")
            ],
        )
    engine.dispose()
    return times[-1]


def timed(action: object, repeat: int) -> list[float]:
    """Seconds per call of ``action`` (a zero-argument callable), ``repeat`` times."""
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        durations.append(time.perf_counter() - started)
    return durations


def main() -> None:
    """Parse the options, run the measurements in a scratch directory, then remove it."""
    workdir = Path(tempfile.mkdtemp(prefix="binfolio-bench-"))
    try:
        measure(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(workdir: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{workdir / 'binfolio.db'}"

    started = time.perf_counter()
    last = populate(url, args.accounts, args.days)
    print(
        f"populated {args.accounts} accounts × {args.days * 24} hourly snapshots "
        f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )

    engine = make_engine(url)
    factory = make_session_factory(engine)
    until = last + timedelta(minutes=1)

    def rebuild_one() -> None:
        update = asyncio.run(
            update_benchmark(
                SqlStorage(factory), account_id=1, spec=SPEC, klines=None, now=until, rebuild=True
            )
        )
        assert not update.failed, update
        assert update.waiting_since is None, update

    rebuild = timed(rebuild_one, args.repeat)

    def rebuild_all() -> None:
        for account_id in range(1, args.accounts + 1):
            asyncio.run(
                update_benchmark(
                    SqlStorage(factory),
                    account_id=account_id,
                    spec=SPEC,
                    klines=None,
                    now=until,
                    rebuild=True,
                )
            )

    rebuild_every = timed(rebuild_all, 1)

    def report_all() -> None:
        with factory() as session:
            report = build_report(ReportRepo(session), Period(None, until))
        assert report.lines[-1].summary.intervals == args.days * 24 - 1

    in_process = timed(report_all, args.repeat)
    env = {**os.environ, "DATABASE_URL": url, "BINFOLIO_DATA_DIR": str(workdir)}
    command = [
        sys.executable,
        "-m",
        "binfolio",
        "report",
        "--format",
        "json",
        "--until",
        until.isoformat(),
    ]

    from installed import compile_package_bytecode

    compile_package_bytecode()

    def report_cli() -> None:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, check=True, cwd=workdir
        )
        assert json.loads(done.stdout)["accounts"][-1]["account"] == "all"

    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli = timed(report_cli, args.repeat)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli_cpu = (
        cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    ) / args.repeat
    with factory() as session:
        sample = report_json(build_report(ReportRepo(session), Period(None, until)))["accounts"][-1]
    engine.dispose()
    for name, values in (
        ("benchmark rebuild, 1 account", rebuild),
        (f"benchmark rebuild, all {args.accounts} accounts", rebuild_every),
        ("report, in process", in_process),
        ("binfolio report --format json (process)", cli),
    ):
        print(
            f"{name:42s} median {statistics.median(values):.3f} s  "
            f"min {min(values):.3f} s  max {max(values):.3f} s"
        )
    print(f"binfolio report process: {cli_cpu:.3f} s CPU (user + system) per run on average")
    print(f"all accounts: twr {sample['twr']}, benchmark_twr {sample['benchmark_twr']}")
    missed = [
        f"{name} median {statistics.median(values):.2f} s > {target:.0f} s"
        for name, values, target in (
            ("report", cli, REPORT_TARGET_S),
            ("rebuild", rebuild, REBUILD_TARGET_S),
        )
        if statistics.median(values) > target
    ]
    if missed:
        print("target missed: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Stored history for dashboard tests and benchmarks, written straight through the storage layer.

Hourly complete snapshots per account with the runs' BTC/ETH prices, a deposit and a withdrawal
every ten days, the 1-minute closes the benchmark needs (taken from the hourly price path), the
benchmark itself (``update_benchmark`` from stored data only), asset rows for each account's
latest snapshot, per-account run lines, and a few log records. Core bulk inserts: five years of
hourly snapshots (43,800) take about two seconds.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.models import (
    AccountRow,
    CashFlowRow,
    KlinePriceRow,
    LogRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.benchmark import BasketSpec, kline_minute_ms, rebalance_times
from binfolio.domain.types import Asset
from binfolio.services.benchmark.update import update_benchmark

SPEC = BasketSpec({Asset("BTC"): Decimal("0.5"), Asset("ETH"): Decimal("0.5")}, "0 12 * * 1")
CENT = Decimal("0.01")
# The latest snapshot's wallets: (wallet, asset, share of the NAV).
LAYOUT = (
    ("spot", "BTC", Decimal("0.42")),
    ("spot", "ETH", Decimal("0.18")),
    ("spot", "USDT", Decimal("0.12")),
    ("spot", "SOL", Decimal("0.06")),
    ("funding", "USDT", Decimal("0.04")),
    ("earn_flexible", "ETH", Decimal("0.08")),
    ("earn_locked", "BNB", Decimal("0.05")),
    ("futures", "USDT", Decimal("0.05")),
)
SIDE_PRICES = {"SOL": Decimal("150.25"), "BNB": Decimal("610.4"), "USDT": Decimal(1)}


def this_hour() -> datetime:
    """The start of the current UTC hour: histories end here so that presets show them."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class HistorySpec:
    """What to write; the defaults make a month of two accounts ending this hour."""

    accounts: Sequence[str] = ("main", "savings")
    hours: int = 24 * 30
    end: datetime = field(default_factory=this_hour)
    seed: int = 7
    # account → index of a snapshot whose NAV jumps ×3 for that one hour
    spikes: dict[str, int] = field(default_factory=dict)
    flows_every_days: int = 10
    partial_last: frozenset[str] = frozenset()
    unpriced_last: dict[str, list[str]] = field(default_factory=dict)
    drift_last: frozenset[str] = frozenset()
    logs: int = 12
    benchmark: bool = True


@dataclass
class History:
    """What was written: ids by account name, the snapshot times, the last run."""

    url: str
    account_ids: dict[str, int]
    times: list[datetime]
    run_ids: list[str]


def build_history(url: str, spec: HistorySpec | None = None) -> History:
    """Write the history into the (migrated, empty) database at ``url``."""
    spec = spec or HistorySpec()
    rng = random.Random(spec.seed)
    start = spec.end - timedelta(hours=spec.hours - 1)
    times = [start + timedelta(hours=h, seconds=5) for h in range(spec.hours)]
    btc, eth = _price_path(rng, spec.hours)
    run_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in times]
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        _write_runs(session, run_ids, times, btc, eth, spec.accounts)
        ids = _write_accounts(session, spec.accounts, times[0])
        for index, name in enumerate(spec.accounts):
            _write_account(session, spec, rng, ids[name], name, index, run_ids, times, btc, eth)
        _write_klines(session, times, btc, eth)
        session.execute(
            insert(LogRow),
            [
                {
                    "created_at": spec.end - timedelta(minutes=spec.logs - i),
                    "level": "WARNING" if i % 5 == 4 else "INFO",
                    "logger": "binfolio.collect",
                    "message": f"run {i}: {spec.accounts[i % len(spec.accounts)]} complete",
                    "run_id": None,
                }
                for i in range(spec.logs)
            ],
        )
    if spec.benchmark:
        _rebuild_benchmarks(factory, ids.values(), times[-1] + timedelta(minutes=1))
    engine.dispose()
    return History(url, ids, times, run_ids)


def add_snapshot(url: str, account_id: int, moment: datetime, nav_usdt: Decimal) -> None:
    """One more complete snapshot, in a run of its own with BTC and ETH prices (the report
    leaves out a snapshot whose run has no benchmark price)."""
    run_id = str(uuid.uuid4())
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        _write_runs(session, [run_id], [moment], [Decimal(61000)], [Decimal(3100)], ())
        session.execute(
            insert(SnapshotRow).values(**_snapshot(run_id, account_id, moment, nav_usdt))
        )
    engine.dispose()


def _price_path(rng: random.Random, hours: int) -> tuple[list[Decimal], list[Decimal]]:
    btc, eth = [Decimal(60000)], [Decimal(3000)]
    for _ in range(hours - 1):
        shock = rng.gauss(0, 0.004)
        btc.append((btc[-1] * Decimal(str(1 + shock + rng.gauss(0, 0.003)))).quantize(CENT))
        eth.append((eth[-1] * Decimal(str(1 + shock * 1.2 + rng.gauss(0, 0.004)))).quantize(CENT))
    return btc, eth


def _write_runs(
    session: Session,
    run_ids: list[str],
    times: list[datetime],
    btc: list[Decimal],
    eth: list[Decimal],
    accounts: Sequence[str],
) -> None:
    line = {"status": "complete", "requests": 4, "weight": 86, "errors": [], "duration_ms": 180}
    session.execute(
        insert(RunRow),
        [
            {
                "id": run_id,
                "kind": "snapshot",
                "status": "complete",
                "started_at": t - timedelta(seconds=3),
                "finished_at": t + timedelta(seconds=1),
                "duration_ms": 4000,
                "requests": 1 + 4 * len(accounts),
                "weight_used": 2 + 86 * len(accounts),
                "errors": [],
                "detail": dict.fromkeys(accounts, line),
            }
            for run_id, t in zip(run_ids, times, strict=True)
        ],
    )
    session.execute(
        insert(RunPriceRow),
        [
            {"run_id": run_id, "asset": asset, "price_usdt": price, "price_source": "usdt"}
            for run_id, b, e in zip(run_ids, btc, eth, strict=True)
            for asset, price in (("BTC", b), ("ETH", e))
        ],
    )


def _write_accounts(session: Session, names: Sequence[str], created: datetime) -> dict[str, int]:
    session.execute(insert(AccountRow), [{"name": n, "created_at": created} for n in names])
    rows = session.execute(select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(names)))
    return {name: account_id for name, account_id in rows}  # noqa: C416


def _write_account(
    session: Session,
    spec: HistorySpec,
    rng: random.Random,
    account_id: int,
    name: str,
    index: int,
    run_ids: list[str],
    times: list[datetime],
    btc: list[Decimal],
    eth: list[Decimal],
) -> None:
    flows = []
    step = timedelta(days=spec.flows_every_days)
    moment = times[0] + timedelta(days=2, minutes=17)
    while spec.flows_every_days and moment < times[-1]:
        kind = "deposit" if len(flows) % 2 == 0 else "withdrawal"
        flows.append((moment, kind, Decimal(500 + 250 * (len(flows) % 3))))
        moment += step
    nav = Decimal(10000 * (index + 1))
    rows = []
    cursor = 0
    spike = spec.spikes.get(name)
    for i, (run_id, t) in enumerate(zip(run_ids, times, strict=True)):
        if i:
            market = (btc[i] / btc[i - 1] + eth[i] / eth[i - 1]) / 2
            nav = nav * market * Decimal(str(1 + rng.gauss(0.00003, 0.0015)))
        while cursor < len(flows) and flows[cursor][0] <= t:
            _, kind, value = flows[cursor]
            nav += value if kind == "deposit" else -value
            cursor += 1
        shown = nav * 3 if spike == i else nav
        rows.append(_snapshot(run_id, account_id, t, shown.quantize(CENT)))
    last = rows[-1]
    if name in spec.partial_last:
        last.update(status="partial", reasons=["futures: HTTP 503 from /fapi/v2/account"])
    last["unpriced"] = spec.unpriced_last.get(name, [])
    if name in spec.drift_last:
        last.update(drift_flagged=True, drift_pct=Decimal("2.4"))
    if len(rows) > 1:
        session.execute(insert(SnapshotRow), rows[:-1])
    last_id = session.execute(
        insert(SnapshotRow).values(**last).returning(SnapshotRow.id)
    ).scalar_one()
    session.execute(insert(SnapshotAssetRow), _assets(last_id, last, btc[-1], eth[-1]))
    if flows:
        session.execute(
            insert(CashFlowRow),
            [
                {
                    "account_id": account_id,
                    "kind": kind,
                    "binance_id": f"{account_id}-{i}",
                    "coin": "USDT",
                    "amount": value,
                    "fee": Decimal(0) if kind == "deposit" else Decimal(1),
                    "time": moment,
                    "completed_at": moment,
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


def _snapshot(run_id: str, account_id: int, taken_at: datetime, nav: Decimal) -> dict[str, object]:
    return {
        "run_id": run_id,
        "account_id": account_id,
        "taken_at": taken_at,
        "status": "complete",
        "nav_usdt": nav,
        "reasons": [],
        "unpriced": [],
        "drift_flagged": False,
    }


def _assets(
    snapshot_id: int, snapshot: dict[str, object], btc: Decimal, eth: Decimal
) -> list[dict[str, object]]:
    nav = snapshot["nav_usdt"]
    assert isinstance(nav, Decimal)
    prices = {**SIDE_PRICES, "BTC": btc, "ETH": eth}
    rows: list[dict[str, object]] = []
    for wallet, asset, share in LAYOUT:
        value = (nav * share).quantize(CENT)
        price = prices[asset]
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "wallet": wallet,
                "asset": asset,
                "amount": (value / price).quantize(Decimal("1e-8")),
                "price": price,
                "price_source": "usdt",
                "value_usdt": value,
            }
        )
    for asset in snapshot["unpriced"]:  # type: ignore[attr-defined]
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "wallet": "spot",
                "asset": asset,
                "amount": Decimal(1000),
                "price": None,
                "price_source": "unpriced",
                "value_usdt": Decimal(0),
            }
        )
    return rows


def _write_klines(
    session: Session, times: list[datetime], btc: list[Decimal], eth: list[Decimal]
) -> None:
    """1-minute closes for every minute a flow or a rebalance needs: the hour's price."""
    rows = session.execute(select(CashFlowRow.time)).scalars().all()
    moments = [*rows, *rebalance_times(SPEC.rebalance_cron, times[0], times[-1])]
    closes: dict[tuple[str, int], Decimal] = {}
    for moment in moments:
        hour = max(0, min(len(times) - 1, int((moment - times[0]) // timedelta(hours=1))))
        minute = kline_minute_ms(moment)
        closes[("BTCUSDT", minute)] = btc[hour]
        closes[("ETHUSDT", minute)] = eth[hour]
    if closes:
        session.execute(
            insert(KlinePriceRow),
            [{"symbol": s, "open_time_ms": m, "close": c} for (s, m), c in sorted(closes.items())],
        )


def _rebuild_benchmarks(
    factory: sessionmaker[Session], account_ids: Iterable[int], now: datetime
) -> None:
    """The benchmark service over the stored data, in a thread of its own.

    Building test data is not code under test: run apart from the main thread, its event
    loop is not judged by the suite's loop guard (tests/loop_guard.py).
    """
    storage = SqlStorage(factory)

    async def rebuild_all() -> None:
        for account_id in account_ids:
            update = await update_benchmark(
                storage, account_id=account_id, spec=SPEC, klines=None, now=now, rebuild=True
            )
            assert not update.failed, update

    try:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, rebuild_all()).result()
    finally:
        storage.close()

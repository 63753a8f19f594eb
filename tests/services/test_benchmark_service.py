"""The benchmark service: start, flows from the ledger, rebalances at kline closes, rebuilds.

Hand-worked scenario (basket 50/50 BTC/ETH, Mondays 12:00 UTC):

- Tue 17th 10:00 snapshot, NAV 10000 at BTC 50000, ETH 2500 → units (0.1, 2)
- Sat 21st 10:00 deposit 1000 USDT at BTC 40000, ETH 2000 → (0.1125, 2.25)
- Mon 23rd 12:00 rebalance at closes BTC 60000, ETH 2000: B = 6750 + 4500 = 11250
  → (11250 × 0.5 / 60000, 11250 × 0.5 / 2000) = (0.09375, 2.8125)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import BenchmarkEventRow, BenchmarkStateRow
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.benchmark import BasketSpec
from binfolio.domain.types import Asset
from binfolio.services.benchmark.update import update_benchmark
from tests.services.ledger_support import (
    Sim,
    add_account,
    add_snapshot,
    asgi_simulator,
    minute_end,
    sync,
)

D = Decimal
SPEC = BasketSpec({Asset("BTC"): D("0.5"), Asset("ETH"): D("0.5")}, "0 12 * * 1")
T0 = minute_end(datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
SATURDAY = minute_end(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
REBALANCE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TUESDAY = minute_end(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


Audit = tuple[str, dict[str, Decimal], dict[str, Decimal], Decimal]


def events(engine: Engine) -> list[Audit]:
    """(kind, units after, prices, value) of each audit row, in order."""
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(BenchmarkEventRow).order_by(BenchmarkEventRow.seq))
        return [(r.kind, decimals(r.units_after), decimals(r.prices), r.value_usdt) for r in rows]


def decimals(values: dict[str, str]) -> dict[str, Decimal]:
    return {key: D(value) for key, value in values.items()}


def units(engine: Engine) -> dict[str, Decimal]:
    with make_session_factory(engine)() as session:
        [state] = session.scalars(select(BenchmarkStateRow))
        return {asset: D(amount) for asset, amount in state.units.items()}


async def market(sim: Sim, *, pending_deposit: bool = False) -> BinanceClient:
    """The scenario's prices and flows in the simulator; the clock ends on Tuesday."""
    await sim.at(T0)
    client = await sim.account("main", {"spot": {"USDT": "10000"}})
    await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
    await sim.at(SATURDAY)
    await sim.prices(BTCUSDT="40000", ETHUSDT="2000")
    extra = {"status": 0, "complete_after_ms": 4 * 86_400_000} if pending_deposit else {}
    await sim.deposit("main", "USDT", "1000", **extra)
    await sim.at(minute_end(REBALANCE))
    await sim.prices(BTCUSDT="60000", ETHUSDT="2000")
    await sim.at(TUESDAY)
    return client


async def test_first_update_starts_from_the_first_complete_snapshot(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(
        factory,
        account_id,
        T0 - timedelta(hours=1),
        "9000",
        {"BTC": "1", "ETH": "1"},
        status="partial",
    )
    add_snapshot(factory, account_id, T0, "10000", {"BTC": "50000", "ETH": "2500"})

    result = await update_benchmark(
        SqlStorage(factory),
        account_id=account_id,
        spec=SPEC,
        klines=None,
        now=T0 + timedelta(hours=1),
    )

    assert result.started
    # 10000 × 0.5 / 50000 = 0.1 BTC;  10000 × 0.5 / 2500 = 2 ETH
    assert units(engine) == {"BTC": D("0.1"), "ETH": D(2)}
    assert events(engine) == [
        ("start", {"BTC": D("0.1"), "ETH": D(2)}, {"BTC": D(50000), "ETH": D(2500)}, D(10000))
    ]


async def test_no_complete_snapshot_no_benchmark(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    result = await update_benchmark(
        SqlStorage(factory), account_id=account_id, spec=SPEC, klines=None
    )
    assert not result.started
    assert events(engine) == []


async def test_deposit_and_rebalance_applied_incrementally_equal_a_rebuild(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(factory, account_id, T0, "10000", {"BTC": "50000", "ETH": "2500"})
    async with asgi_simulator(T0) as sim:
        client = await market(sim)
        symbols = await sim.symbols()
        await sync(factory, account_id, client, symbols, TUESDAY)
        sunday = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=SUNDAY
        )
        tuesday = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=TUESDAY
        )
        incremental = events(engine)
        rebuilt = await update_benchmark(
            SqlStorage(factory),
            account_id=account_id,
            spec=SPEC,
            klines=None,
            now=TUESDAY,
            rebuild=True,
        )

    assert (sunday.applied, tuesday.applied) == (1, 1)
    assert [e[0] for e in incremental] == ["start", "deposit", "rebalance"]
    deposit, rebalance = incremental[1], incremental[2]
    # Deposit bought at Saturday's closes: (0.1 + 500 / 40000, 2 + 500 / 2000)
    assert deposit[1] == {"BTC": D("0.1125"), "ETH": D("2.25")}
    assert deposit[2] == {"BTC": D(40000), "ETH": D(2000)}
    # Rebalance at the 12:00 kline close: B(R) = 11250 → (0.09375, 2.8125)
    assert rebalance[3] == D(11250)
    assert units(engine) == {"BTC": D("0.09375"), "ETH": D("2.8125")}
    # The rebuild (from cached closes only: no kline source) gives the same audit rows.
    assert rebuilt.rebuilt
    assert rebuilt.applied == 2
    assert events(engine) == incremental


async def test_deposit_pending_at_one_run_rebuilds_and_counts_once(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(factory, account_id, T0, "10000", {"BTC": "50000", "ETH": "2500"})
    async with asgi_simulator(T0) as sim:
        client = await market(sim, pending_deposit=True)
        symbols = await sim.symbols()
        # Tuesday: the deposit is still pending at Binance; only the rebalance happens.
        await sync(factory, account_id, client, symbols, TUESDAY)
        await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=TUESDAY
        )
        before = events(engine)
        # Thursday: credited, with its Saturday insertTime; it sorts before the rebalance.
        await sim.at(THURSDAY)
        await sync(factory, account_id, client, symbols, THURSDAY)
        late = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=THURSDAY
        )
        again = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=THURSDAY
        )

    assert [e[0] for e in before] == ["start", "rebalance"]
    assert late.rebuilt
    assert (again.rebuilt, again.applied) == (False, 0)
    assert [e[0] for e in events(engine)] == ["start", "deposit", "rebalance"]
    assert units(engine) == {"BTC": D("0.09375"), "ETH": D("2.8125")}


async def test_without_prices_the_benchmark_waits_and_continues_later(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(factory, account_id, T0, "10000", {"BTC": "50000", "ETH": "2500"})
    async with asgi_simulator(T0) as sim:
        client = await market(sim)
        offline = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=None, now=TUESDAY
        )
        online = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=SPEC, klines=client, now=TUESDAY
        )

    # No ledger sync here, so only the rebalance: B(R) = 0.1 × 60000 + 2 × 2000 = 10000
    assert (offline.applied, offline.waiting_since) == (0, REBALANCE)
    assert (online.applied, online.waiting_since) == (1, None)
    assert units(engine)["ETH"] == D("2.5")  # 5000 / 2000


async def test_changing_the_basket_rebuilds_with_the_new_weights(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(factory, account_id, T0, "10000", {"BTC": "50000", "ETH": "2500"})
    await update_benchmark(
        SqlStorage(factory), account_id=account_id, spec=SPEC, klines=None, now=T0
    )
    btc_only = BasketSpec({Asset("BTC"): D(1)}, "0 12 * * 1")

    result = await update_benchmark(
        SqlStorage(factory), account_id=account_id, spec=btc_only, klines=None, now=T0
    )

    assert result.rebuilt
    assert units(engine) == {"BTC": D("0.2")}  # 10000 / 50000


async def test_withdrawal_beyond_the_benchmark_is_floored_with_a_warning(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    add_snapshot(factory, account_id, T0, "1000", {"BTC": "50000", "ETH": "2500"})
    later = minute_end(T0 + timedelta(hours=1))
    async with asgi_simulator(T0) as sim:
        client = await sim.account("main", {"spot": {"BTC": "1"}})
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        await sim.at(later)
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        # 0.05 BTC + 0.001 fee at 50000 = 2550 USDT out of a benchmark worth 1000.
        await sim.withdrawal("main", "BTC", "0.05", "0.001")
        await sim.at(later + timedelta(minutes=1))
        await sync(factory, account_id, client, await sim.symbols(), later + timedelta(minutes=1))
        result = await update_benchmark(
            SqlStorage(factory),
            account_id=account_id,
            spec=SPEC,
            klines=client,
            now=later + timedelta(minutes=1),
        )

    assert result.applied == 1
    assert any("exceeds the benchmark value" in w for w in result.warnings)
    assert units(engine) == {"BTC": D(0), "ETH": D(0)}
    with make_session_factory(engine)() as session:
        withdrawal = session.scalars(
            select(BenchmarkEventRow).where(BenchmarkEventRow.kind == "withdrawal")
        ).one()
    assert withdrawal.value_usdt == D(1000)
    assert withdrawal.warning is not None

"""The cash-flow ledger against the simulator's history endpoints, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from sqlalchemy import Engine, func, select

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import CashFlowRow, KlinePriceRow
from binfolio.domain.clock import to_ms
from binfolio.services.ledger.sync import chunks
from tests.services.ledger_support import (
    MINUTE,
    add_account,
    add_snapshot,
    asgi_simulator,
    minute_end,
    sync,
)

T = minute_end(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))  # 10:00:59.999
D = Decimal


def flows(engine: Engine) -> list[CashFlowRow]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(CashFlowRow).order_by(CashFlowRow.time)))


async def test_final_flows_are_stored_once_valued_at_their_kline_close(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with asgi_simulator(T) as sim:
        client = await sim.account("main", {"spot": {"BTC": "1", "USDT": "10000"}})
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        await sim.deposit("main", "USDT", "1000", status=1)
        await sim.deposit("main", "BTC", "0.1", status=6)  # credited, cannot withdraw yet
        await sim.deposit("main", "BTC", "5", status=0)  # pending: not a flow yet
        await sim.withdrawal("main", "BTC", "0.01", "0.0005", status=6)
        await sim.withdrawal("main", "USDT", "50", "1", status=4)  # processing
        await sim.at(T + MINUTE)  # the 10:00 kline has closed
        symbols = await sim.symbols()

        result = await sync(factory, account_id, client, symbols, T + MINUTE)
        again = await sync(factory, account_id, client, symbols, T + MINUTE)

    rows = flows(engine)
    assert result.inserted == 3
    assert again.inserted == 0
    assert again.kline_requests == 0  # nothing new to value
    by_kind = {(r.kind, r.coin): r for r in rows}
    usdt = by_kind[("deposit", "USDT")]
    assert (usdt.value_usdt, usdt.price_source) == (D(1000), "usdt")
    btc_in = by_kind[("deposit", "BTC")]
    # 0.1 BTC × close 50000 = 5000
    assert (btc_in.value_usdt, btc_in.price_usdt, btc_in.status) == (D(5000), D(50000), 6)
    btc_out = by_kind[("withdrawal", "BTC")]
    # (0.01 + 0.0005 fee) × 50000 = 525
    assert (btc_out.amount, btc_out.fee, btc_out.value_usdt) == (D("0.01"), D("0.0005"), D(525))
    assert btc_out.time == T.replace(microsecond=0)  # applyTime has second resolution
    assert btc_out.raw["transactionFee"] == "0.0005"
    with make_session_factory(engine)() as session:
        # One kline request per coin and minute, kept for later runs.
        assert session.scalar(select(func.count()).select_from(KlinePriceRow)) == 1


async def test_pending_deposit_is_counted_once_at_its_insert_time_price(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with asgi_simulator(T) as sim:
        client = await sim.account("main")
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        # Credited two hours after its insertTime (10:00:59.999).
        await sim.deposit("main", "BTC", "0.2", status=0, complete_after_ms=2 * 3600 * 1000)
        await sim.at(T + timedelta(hours=1))
        await sim.prices(BTCUSDT="60000")
        symbols = await sim.symbols()
        first = await sync(factory, account_id, client, symbols, T + timedelta(hours=1))
        await sim.at(T + timedelta(hours=3))
        second = await sync(factory, account_id, client, symbols, T + timedelta(hours=3))
        third = await sync(factory, account_id, client, symbols, T + timedelta(hours=4))

    assert (first.inserted, second.inserted, third.inserted) == (0, 1, 0)
    [row] = flows(engine)
    # At its insertTime, not at 60000 when it was credited: 0.2 × 50000 = 10000.
    assert row.time == T
    assert row.value_usdt == D(10000)


async def test_coins_without_a_usdt_pair_follow_the_valuation_rule(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with asgi_simulator(T) as sim:
        client = await sim.account("main")
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        await sim.prices(ARDRBTC="0.000002", ZENETH="0.004", USDTTRY="40")
        await sim.deposit("main", "ARDR", "1000", status=1)  # 0.000002 × 50000 = 0.1 → 100
        await sim.deposit("main", "ZEN", "10", status=1)  # 0.004 × 2500 = 10 → 100
        await sim.deposit("main", "TRY", "4000", status=1)  # 1 / 40 = 0.025 → 100
        await sim.deposit("main", "USDC", "100", status=1)  # USDCUSDT → 100 (USDC ≈ 1)
        await sim.at(T + MINUTE)
        symbols = await sim.symbols() - {"USDCUSDT"}  # as if USDC had no market
        await sync(factory, account_id, client, symbols, T + MINUTE)

    by_coin = {r.coin: r for r in flows(engine)}
    assert (by_coin["ARDR"].value_usdt, by_coin["ARDR"].price_source) == (D(100), "via_btc")
    assert (by_coin["ZEN"].value_usdt, by_coin["ZEN"].price_source) == (D(100), "via_eth")
    assert (by_coin["TRY"].value_usdt, by_coin["TRY"].price_source) == (D(100), "inverse")
    # Unpriced: value 0 and flagged, never silently dropped.
    assert (by_coin["USDC"].value_usdt, by_coin["USDC"].price_source) == (D(0), "unpriced")


async def test_flow_in_a_minute_not_closed_yet_is_valued_on_a_later_run(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with asgi_simulator(T) as sim:
        client = await sim.account("main")
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        await sim.deposit("main", "BTC", "1", status=1)
        symbols = await sim.symbols()
        early = await sync(factory, account_id, client, symbols, T)
        pending = flows(engine)
        await sim.at(T + MINUTE)
        await sim.prices(BTCUSDT="51000")
        later = await sync(factory, account_id, client, symbols, T + MINUTE)

    assert (early.inserted, early.pending) == (1, 1)
    assert (pending[0].value_usdt, pending[0].price_source) == (None, "pending")
    assert (later.inserted, later.revalued) == (0, 1)
    [row] = flows(engine)
    assert (row.value_usdt, row.price_source) == (D(50000), "usdt")


async def test_first_run_reads_back_to_the_first_complete_snapshot(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    start = T - timedelta(days=20)
    add_snapshot(factory, account_id, start, "1000", {"BTC": "50000", "ETH": "2500"})
    async with asgi_simulator(T) as sim:
        client = await sim.account("main")
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
        await sim.deposit("main", "USDT", "300", status=1, time_ms=to_ms(T - timedelta(days=15)))
        symbols = await sim.symbols()
        first = await sync(factory, account_id, client, symbols, T)
        second = await sync(factory, account_id, client, symbols, T + timedelta(hours=1))

    assert first.start == start
    assert first.inserted == 1
    # Later runs re-read the overlap before the end of the last window.
    assert second.start == T - timedelta(days=7)


def test_windows_are_cut_into_spans_under_90_days() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=200)

    pairs = chunks(start, end)

    assert pairs[0][0] == to_ms(start)
    assert pairs[-1][1] == to_ms(end)
    assert all(last - first < 90 * 86_400_000 for first, last in pairs)
    assert all(b[0] == a[1] + 1 for a, b in pairwise(pairs))


@pytest.mark.parametrize("days", [0, 1, 89])
def test_short_windows_are_one_chunk(days: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert len(chunks(start, start + timedelta(days=days))) == 1

"""Minutes without a 1-minute kline (a trading halt, a maintenance gap, a market not listed yet).

Binance simply has no kline opening in such a minute. The simulator always has one, so these
tests put a transport in front of it that removes a symbol's klines over a span of minutes, the
way Binance answers then: ``startTime`` skips to the first kline after the gap, ``endTime``
without ``startTime`` gives the last klines before it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import Engine, select

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import BenchmarkStateRow, CashFlowRow, KlinePriceRow
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.benchmark import BasketSpec
from binfolio.domain.clock import to_ms
from binfolio.domain.types import Asset
from binfolio.domain.valuation import PriceBook
from binfolio.services.benchmark.update import update_benchmark
from binfolio.services.collect.options import FlowContext
from binfolio.services.ledger.hook import ledger_flow_hook
from binfolio.simulator import SimulatorConfig, create_app
from tests.services.ledger_support import (
    Sim,
    add_account,
    add_snapshot,
    asgi_simulator,
    minute_end,
    sync,
    write_ledger,
)

D = Decimal
MINUTE_MS = 60_000
HALT = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # no BTCUSDT kline opens 12:00 to 12:04
FLOW_AT = HALT + timedelta(seconds=30)
BEFORE = minute_end(HALT - timedelta(minutes=1))  # 11:59:59.999: the last close before the halt
FINAL = HALT + timedelta(hours=2)


class KlineGap(httpx.AsyncBaseTransport):
    """The simulator, except that ``symbol`` has no kline opening in ``[first_ms, last_ms]``."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, symbol: str, first_ms: int, last_ms: int
    ) -> None:
        self._inner, self._symbol = inner, symbol
        self._first_ms, self._last_ms = first_ms, last_ms

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if request.url.path != "/api/v3/klines" or params.get("symbol") != self._symbol:
            return await self._inner.handle_async_request(request)
        limit = int(params.get("limit", "500"))
        gap_minutes = (self._last_ms - self._first_ms) // MINUTE_MS + 1
        wider = request.url.copy_set_param("limit", str(min(1000, limit + gap_minutes)))
        response = await self._inner.handle_async_request(httpx.Request("GET", wider))
        rows = json.loads(await response.aread())
        kept = [row for row in rows if not self._first_ms <= row[0] <= self._last_ms]
        kept = kept[:limit] if "startTime" in params else kept[-limit:]
        headers = {
            k: v for k, v in response.headers.items() if k.lower().startswith("x-mbx-used-weight")
        }
        return httpx.Response(response.status_code, headers=headers, json=kept)


@asynccontextmanager
async def simulator_with_gap(
    start: datetime, symbol: str, first: datetime, last: datetime
) -> AsyncIterator[Sim]:
    app = create_app(SimulatorConfig(speed=0, start_ms=to_ms(start)))
    transport = KlineGap(httpx.ASGITransport(app=app), symbol, to_ms(first), to_ms(last))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield Sim(http)


def btc_halt(start: datetime) -> AbstractAsyncContextManager[Sim]:
    return simulator_with_gap(start, "BTCUSDT", HALT, HALT + timedelta(minutes=4))


async def halted_btc_market(sim: Sim) -> None:
    """BTC closes 48000 before the halt; 50000 at the end of the halted minute; 52000 after."""
    await sim.at(BEFORE)
    await sim.prices(BTCUSDT="48000", ETHUSDT="2500")
    await sim.at(FLOW_AT)
    await sim.deposit("main", "BTC", "1", status=1)
    await sim.at(minute_end(HALT))
    await sim.prices(BTCUSDT="50000", ETHUSDT="2500")
    await sim.at(minute_end(HALT + timedelta(minutes=5)))
    await sim.prices(BTCUSDT="52000")


def flows(engine: Engine) -> list[CashFlowRow]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(CashFlowRow)))


async def test_flow_in_a_minute_without_kline_is_valued_at_the_last_close_before(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with btc_halt(BEFORE) as sim:
        client = await sim.account("main")
        await halted_btc_market(sim)
        await sim.at(FINAL)
        symbols = await sim.symbols()
        result = await sync(factory, account_id, client, symbols, FINAL)
        again = await sync(factory, account_id, client, symbols, FINAL)

    [row] = flows(engine)
    # 1 BTC at the 11:59 close, not 0 (unpriced), nor the 12:05 close after the halt.
    assert (row.value_usdt, row.price_usdt, row.price_source) == (D(48000), D(48000), "usdt")
    assert (result.unpriced, result.pending) == ([], 0)
    assert again.kline_requests == 0  # the close is kept for the halted minute
    with make_session_factory(engine)() as session:
        kept = session.get(KlinePriceRow, ("BTCUSDT", to_ms(HALT)))
    assert kept is not None
    assert kept.close == D(48000)


async def test_recent_minute_without_kline_stays_pending_until_final(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with btc_halt(BEFORE) as sim:
        client = await sim.account("main")
        await halted_btc_market(sim)
        soon = HALT + timedelta(minutes=10)
        await sim.at(soon)
        symbols = await sim.symbols()
        early = await sync(factory, account_id, client, symbols, soon)
        [pending] = flows(engine)
        await sim.at(FINAL)
        later = await sync(factory, account_id, client, symbols, FINAL)

    # Binance may still fill the gap: not unpriced (0 for good) while the minute is recent.
    assert (pending.value_usdt, pending.price_source) == (None, "pending")
    assert (early.pending, early.unpriced) == (1, [])
    assert later.revalued == 1
    [row] = flows(engine)
    assert (row.value_usdt, row.price_source) == (D(48000), "usdt")


async def test_hook_values_a_flow_before_its_usdt_market_through_the_next_route(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    # ETHUSDT has no kline before 12:05 (listed then): ETHBTC × BTCUSDT must value the flow.
    listed = HALT + timedelta(minutes=5)
    gap = simulator_with_gap(BEFORE, "ETHUSDT", listed - timedelta(days=30), listed)
    async with gap as sim:
        client = await sim.account("main")
        await sim.at(FLOW_AT)
        await sim.deposit("main", "ETH", "2", status=1)
        await sim.at(minute_end(HALT))
        await sim.prices(BTCUSDT="50000", ETHUSDT="2500")  # ETHBTC 0.05
        await sim.at(FINAL)
        ticker = (await sim.http.get("/api/v3/ticker/price")).json()
        book = PriceBook({row["symbol"]: D(row["price"]) for row in ticker})
        hook = ledger_flow_hook(SqlStorage(factory))
        writer = await hook(FlowContext("main", client, str(uuid.uuid4()), FINAL, book))

    assert writer is not None
    write_ledger(factory, account_id, writer)
    [row] = flows(engine)
    # 2 ETH × 0.05 BTC × 50000 = 5000
    assert (row.value_usdt, row.price_source) == (D(5000), "via_btc")


async def test_rebalance_in_a_minute_without_kline_uses_the_last_close_before(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    start = minute_end(HALT - timedelta(hours=2))
    add_snapshot(factory, account_id, start, "10000", {"BTC": "50000", "ETH": "2500"})
    spec = BasketSpec({Asset("BTC"): D("0.5"), Asset("ETH"): D("0.5")}, "0 12 * * *")
    async with btc_halt(start) as sim:
        client = await sim.account("main")
        await sim.at(BEFORE)
        await sim.prices(BTCUSDT="40000", ETHUSDT="2000")
        await sim.at(minute_end(HALT))
        await sim.prices(BTCUSDT="60000", ETHUSDT="2500")
        await sim.at(FINAL)
        result = await update_benchmark(
            SqlStorage(factory), account_id=account_id, spec=spec, klines=client, now=FINAL
        )

    # Units (0.1, 2); at 12:00 BTC 40000 (11:59 close), ETH 2500: B = 4000 + 5000 = 9000
    # → (9000 × 0.5 / 40000, 9000 × 0.5 / 2500) = (0.1125, 1.8).
    assert (result.applied, result.waiting_since, result.warnings) == (1, None, [])
    with make_session_factory(engine)() as session:
        [state] = session.scalars(select(BenchmarkStateRow))
    assert {a: D(u) for a, u in state.units.items()} == {"BTC": D("0.1125"), "ETH": D("1.8")}


async def test_flow_stored_unpriced_is_valued_once_its_coin_can_be_priced(engine: Engine) -> None:
    factory = make_session_factory(engine)
    account_id = add_account(factory, "main")
    async with btc_halt(BEFORE) as sim:
        client = await sim.account("main")
        await halted_btc_market(sim)
        await sim.at(FINAL)
        symbols = await sim.symbols()
        first = await sync(factory, account_id, client, symbols - {"BTCUSDT"}, FINAL)
        [stored] = flows(engine)
        second = await sync(factory, account_id, client, symbols, FINAL)

    assert (stored.value_usdt, stored.price_source) == (D(0), "unpriced")
    assert first.unpriced == ["BTC"]
    assert (second.revalued, second.unpriced) == (1, [])
    [row] = flows(engine)
    assert (row.value_usdt, row.price_source) == (D(48000), "usdt")


async def test_client_klines_without_start_end_at_the_last_kline_opening_by_end_time() -> None:
    async with asgi_simulator(FINAL) as sim:
        client = await sim.account("main")
        end_ms = to_ms(HALT) + MINUTE_MS - 1
        rows = await client.klines("BTCUSDT", "1m", start_ms=None, end_ms=end_ms, limit=2)

    assert [row[0] for row in rows] == [to_ms(HALT) - MINUTE_MS, to_ms(HALT)]

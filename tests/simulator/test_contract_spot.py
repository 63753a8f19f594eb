"""Spot endpoints answer with the documented fields and JSON types, and with real values."""

from __future__ import annotations

from decimal import Decimal

from tests.simulator import contract_examples as ex
from tests.simulator.helpers import START_MS, Sim, assert_shape


async def test_ping_and_time_answer_like_binance(sim: Sim) -> None:
    ping = await sim.public("/api/v3/ping")
    time_answer = await sim.public("/api/v3/time")

    assert ping.json() == {}
    assert ping.headers["content-type"] == "application/json;charset=UTF-8"
    assert ping.headers["x-mbx-used-weight-1m"] == "1"
    assert abs(time_answer.json()["serverTime"] - sim.state.clock.wall_ms()) < 5000


async def test_exchange_info_lists_symbols_with_the_four_filters(sim: Sim) -> None:
    response = await sim.public("/api/v3/exchangeInfo")

    info = response.json()
    assert_shape(info, ex.EXCHANGE_INFO)
    assert response.headers["x-mbx-used-weight-1m"] == "20"
    symbols = {s["symbol"]: s for s in info["symbols"]}
    assert len(symbols) >= 20
    assert {"ARDRBTC", "ZENETH", "USDTTRY", "USDCUSDT", "FDUSDUSDT"} <= set(symbols)
    filters = {f["filterType"]: f for f in symbols["BTCUSDT"]["filters"]}
    for name, example in ex.FILTERS.items():
        assert_shape(filters[name], example, name)
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    assert symbols["ARDRBTC"]["quoteOrderQtyMarketAllowed"] is False


async def test_exchange_info_for_chosen_symbols(sim: Sim) -> None:
    one = await sim.public("/api/v3/exchangeInfo", symbol="ETHBTC")
    two = await sim.public("/api/v3/exchangeInfo", symbols='["ETHBTC","BTCUSDT"]')

    assert [s["symbol"] for s in one.json()["symbols"]] == ["ETHBTC"]
    assert [s["symbol"] for s in two.json()["symbols"]] == ["ETHBTC", "BTCUSDT"]


async def test_ticker_price_one_all_and_list(sim: Sim) -> None:
    one = await sim.public("/api/v3/ticker/price", symbol="BTCUSDT")
    every = await sim.public("/api/v3/ticker/price")
    some = await sim.public("/api/v3/ticker/price", symbols='["BTCUSDT","USDTTRY"]')

    assert_shape(one.json(), ex.TICKER)
    assert one.headers["x-mbx-used-weight-1m"] == "2"
    assert every.headers["x-mbx-used-weight-1m"] == "6"  # 2 + 4: one pool per minute
    prices = {row["symbol"]: Decimal(row["price"]) for row in every.json()}
    assert prices["BTCUSDT"] == Decimal(one.json()["price"])
    assert [row["symbol"] for row in some.json()] == ["BTCUSDT", "USDTTRY"]
    assert_shape(every.json(), [ex.TICKER])


async def test_cross_pairs_agree_with_the_usdt_pairs(sim: Sim) -> None:
    prices = {
        r["symbol"]: Decimal(r["price"]) for r in (await sim.public("/api/v3/ticker/price")).json()
    }

    implied = prices["ETHUSDT"] / prices["BTCUSDT"]
    assert abs(prices["ETHBTC"] - implied) <= Decimal("0.00001")
    assert Decimal("30") < prices["USDTTRY"] < Decimal("40")
    assert abs(prices["USDCUSDT"] - 1) < Decimal("0.01")


async def test_klines_have_twelve_typed_fields_and_close_at_the_ticker(sim: Sim) -> None:
    response = await sim.public("/api/v3/klines", symbol="BTCUSDT", interval="1m", limit=3)
    ticker = await sim.public("/api/v3/ticker/price", symbol="BTCUSDT")

    klines = response.json()
    assert len(klines) == 3
    for kline in klines:
        assert [type(v) for v in kline] == [type(v) for v in ex.KLINE]
        assert kline[6] == kline[0] + 59_999
        assert Decimal(kline[3]) <= min(Decimal(kline[1]), Decimal(kline[4]))
        assert Decimal(kline[2]) >= max(Decimal(kline[1]), Decimal(kline[4]))
    assert klines[-1][0] == START_MS // 60_000 * 60_000  # the open kline is last
    assert klines[-1][4] == ticker.json()["price"]


async def test_account_lists_free_and_locked_and_omits_zeros_on_request(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"BTC": "0.0125", "USDT": "1520.33"}})

    full = await sim.signed("GET", "/api/v3/account", keys)
    short = await sim.signed("GET", "/api/v3/account", keys, omitZeroBalances="true")

    assert full.status_code == 200, full.text
    assert_shape(full.json(), ex.ACCOUNT)
    assert full.headers["x-mbx-used-weight-1m"] == "20"
    assert len(full.json()["balances"]) > 10
    assert short.json()["balances"] == [
        {"asset": "USDT", "free": "1520.33000000", "locked": "0.00000000"},
        {"asset": "BTC", "free": "0.01250000", "locked": "0.00000000"},
    ]


async def test_ticker_24hr_spans_the_last_day_up_to_the_last_price(sim: Sim) -> None:
    one = await sim.public("/api/v3/ticker/24hr", symbol="BTCUSDT")
    every = await sim.public("/api/v3/ticker/24hr")
    price = (await sim.public("/api/v3/ticker/price", symbol="BTCUSDT")).json()["price"]

    row = one.json()
    assert one.headers["x-mbx-used-weight-1m"] == "2"
    assert every.headers["x-mbx-used-weight-1m"] == "82"
    assert row["lastPrice"] == price
    assert Decimal(row["lowPrice"]) <= Decimal(row["lastPrice"]) <= Decimal(row["highPrice"])
    assert row["closeTime"] - row["openTime"] == 86_400_000
    assert len(every.json()) >= 20

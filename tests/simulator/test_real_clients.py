"""Real Binance clients, pointed at the simulator by base URL only, do a user's whole round.

python-binance ``Client`` and ``AsyncClient`` and ccxt's async ``binance`` and ``binanceusdm``
read the account, all prices, klines, the futures account and the transfer history, buy by
quote quantity, place and cancel a limit order, and see the right balances afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest
from binance.async_client import AsyncClient
from binance.client import Client

from binfolio.simulator.testing import (
    Credentials,
    SimulatorHandle,
    point_ccxt,
    python_binance_class,
)

BALANCES = {"spot": {"USDT": "1000", "BTC": "0.01"}, "futures": {"USDT": "500"}}
POSITION = [{"symbol": "BTCUSDT", "amount": "0.1", "entry_price": "59000"}]


@pytest.fixture
def keys(simulator: SimulatorHandle) -> Credentials:
    keys = simulator.create_account("main", BALANCES, positions=POSITION)
    simulator.set_prices({"BTCUSDT": "60000.00"})
    simulator.add_deposit("main", "USDT", "250", status=1)
    simulator.add_withdrawal("main", "BTC", "0.002", fee="0.0001", status=6)
    return keys


def spot_free(simulator: SimulatorHandle, asset: str) -> Decimal:
    return Decimal(simulator.account("main")["balances"]["spot"][asset]["free"])


def test_python_binance_client_does_the_whole_round(
    simulator: SimulatorHandle, keys: Credentials
) -> None:
    client = python_binance_class(Client, simulator.base_url)(keys.api_key, keys.api_secret)
    try:
        balances = {b["asset"]: b for b in client.get_account()["balances"]}
        prices = {t["symbol"]: t["price"] for t in client.get_all_tickers()}
        klines = client.get_klines(symbol="BTCUSDT", interval="1m", limit=5)
        futures = client.futures_account()
        deposits = client.get_deposit_history()
        withdrawals = client.get_withdraw_history()
        bought = client.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="100"
        )
        resting = client.create_order(
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.001",
            price="50000",
        )
        locked = client.get_asset_balance("USDT")["locked"]
        cancelled = client.cancel_order(
            symbol="BTCUSDT", orderId=resting["orderId"]
        )  # DELETE, params in the body
    finally:
        client.close_connection()
        client.loop.close()  # python-binance makes an event loop it never closes

    assert balances["USDT"]["free"] == "1250.00000000"
    assert balances["BTC"]["free"] == "0.00790000"  # 0.01 − 0.002 − 0.0001 fee
    assert prices["BTCUSDT"] == "60000.00000000"
    assert len(prices) >= 20
    assert klines[-1][4] == "60000.00000000"
    assert futures["totalUnrealizedProfit"] == "100.00000000"
    assert futures["totalMarginBalance"] == "600.00000000"
    assert [d["amount"] for d in deposits] == ["250"]
    assert [(w["amount"], w["transactionFee"]) for w in withdrawals] == [("0.00200000", "0.0001")]
    assert (bought["status"], bought["executedQty"]) == ("FILLED", "0.00166000")
    assert locked == "50.00000000"
    assert cancelled["status"] == "CANCELED"
    assert spot_free(simulator, "USDT") == Decimal("1150.4")  # 1250 − 99.6
    assert spot_free(simulator, "BTC") == Decimal("0.00955834")  # 0.0079 + 0.00166 − 0.00000166


async def test_python_binance_async_client_does_the_whole_round(
    simulator: SimulatorHandle, keys: Credentials
) -> None:
    client = await python_binance_class(AsyncClient, simulator.base_url).create(
        keys.api_key, keys.api_secret
    )
    try:
        account = await client.get_account()
        prices = await client.get_all_tickers()
        klines = await client.get_klines(symbol="ETHBTC", interval="1h", limit=3)
        futures = await client.futures_account(version=3)
        deposits = await client.get_deposit_history()
        withdrawals = await client.get_withdraw_history()
        bought = await client.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="60"
        )
        resting = await client.create_order(
            symbol="BTCUSDT",
            side="SELL",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.005",
            price="70000",
        )
        open_orders = await client.get_open_orders(symbol="BTCUSDT")
        cancelled = await client.cancel_order(symbol="BTCUSDT", orderId=resting["orderId"])
        after = {b["asset"]: b for b in (await client.get_account())["balances"]}
    finally:
        await client.close_connection()

    assert any(b["asset"] == "USDT" and b["free"] == "1250.00000000" for b in account["balances"])
    assert {t["symbol"] for t in prices} >= {"BTCUSDT", "ETHBTC", "USDTTRY"}
    assert len(klines) == 3
    assert futures["assets"][0]["marginBalance"] == "600.00000000"
    assert (len(deposits), len(withdrawals)) == (1, 1)
    assert bought["executedQty"] == "0.00100000"
    assert [o["orderId"] for o in open_orders] == [resting["orderId"]]
    assert cancelled["status"] == "CANCELED"
    assert after["USDT"]["free"] == "1190.00000000"  # 60 spent; the fee is taken in BTC
    assert after["BTC"] == {"asset": "BTC", "free": "0.00889900", "locked": "0.00000000"}


@pytest.fixture
async def ccxt_spot(simulator: SimulatorHandle, keys: Credentials) -> AsyncIterator[Any]:
    exchange = point_ccxt(
        ccxt_async.binance({"apiKey": keys.api_key, "secret": keys.api_secret}), simulator.base_url
    )
    yield exchange
    await exchange.close()


@pytest.fixture
async def ccxt_usdm(simulator: SimulatorHandle, keys: Credentials) -> AsyncIterator[Any]:
    exchange = point_ccxt(
        ccxt_async.binanceusdm({"apiKey": keys.api_key, "secret": keys.api_secret}),
        simulator.base_url,
    )
    yield exchange
    await exchange.close()


async def test_ccxt_binance_does_the_whole_round(
    simulator: SimulatorHandle, ccxt_spot: Any
) -> None:
    markets = await ccxt_spot.load_markets()
    balance = await ccxt_spot.fetch_balance()
    prices = await ccxt_spot.fetch_last_prices()
    candles = await ccxt_spot.fetch_ohlcv("BTC/USDT", "1m", limit=10)
    deposits = await ccxt_spot.fetch_deposits()
    withdrawals = await ccxt_spot.fetch_withdrawals()
    bought = await ccxt_spot.create_order(
        "BTC/USDT", "market", "buy", None, None, {"quoteOrderQty": "100"}
    )
    resting = await ccxt_spot.create_order("BTC/USDT", "limit", "buy", 0.001, 50000)
    locked = (await ccxt_spot.fetch_balance())["USDT"]["used"]
    cancelled = await ccxt_spot.cancel_order(
        resting["id"], "BTC/USDT"
    )  # DELETE, params in the query
    after = await ccxt_spot.fetch_balance()

    assert {"BTC/USDT", "ETH/BTC", "ARDR/BTC", "USDT/TRY"} <= set(markets)
    assert markets["BTC/USDT"]["precision"]["amount"] == 0.00001
    assert balance["USDT"]["free"] == 1250.0
    assert prices["BTC/USDT"]["price"] == 60000.0
    assert candles[-1][4] == 60000.0
    assert [(d["currency"], d["amount"], d["status"]) for d in deposits] == [("USDT", 250.0, "ok")]
    assert [(w["currency"], w["status"]) for w in withdrawals] == [("BTC", "ok")]
    assert (bought["status"], bought["filled"]) == ("closed", 0.00166)
    assert bought["fee"] == {"currency": "BTC", "cost": 0.00000166}
    assert locked == 50.0
    assert cancelled["status"] == "canceled"
    assert after["USDT"] == {"free": 1150.4, "used": 0.0, "total": 1150.4}
    assert after["BTC"]["free"] == pytest.approx(0.00955834)


async def test_ccxt_binanceusdm_reads_the_futures_account(ccxt_usdm: Any) -> None:
    markets = await ccxt_usdm.load_markets()
    balance = await ccxt_usdm.fetch_balance()
    positions = await ccxt_usdm.fetch_positions()
    prices = await ccxt_usdm.fetch_last_prices()

    assert "BTC/USDT:USDT" in markets
    assert balance["USDT"]["total"] == 600.0  # margin balance: wallet 500 + unrealised 100
    assert [(p["symbol"], p["contracts"], p["unrealizedPnl"]) for p in positions] == [
        ("BTC/USDT:USDT", 0.1, 100.0)
    ]
    assert prices["BTC/USDT:USDT"]["price"] == 60000.0

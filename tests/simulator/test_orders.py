"""Spot orders: MARKET and LIMIT against the path, fees, filters before balance, responses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator import contract_examples as ex
from tests.simulator.helpers import Keys, Sim, assert_shape

MINUTE_MS = 60_000


@pytest.fixture
async def trader(sim: Sim) -> Keys:
    keys = await sim.account(balances={"spot": {"USDT": "1000", "BTC": "0.01"}})
    await sim.admin("POST", "/prices", {"BTCUSDT": "60000.00"})
    return keys


async def order(sim: Sim, keys: Keys, **params: Any) -> Any:
    return await sim.signed("POST", "/api/v3/order", keys, in_body=True, **params)


async def spot(sim: Sim, asset: str) -> dict[str, str]:
    view = await sim.admin("GET", "/accounts/main")
    balance: dict[str, str] = view["balances"]["spot"].get(asset, {"free": "0", "locked": "0"})
    return balance


async def test_market_buy_by_quote_quantity_fills_with_fee_in_base(sim: Sim, trader: Keys) -> None:
    response = await order(
        sim, trader, symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="100"
    )

    body = response.json()
    assert response.status_code == 200, response.text
    assert_shape(body, ex.ORDER_FULL)
    assert (body["status"], body["executedQty"], body["cummulativeQuoteQty"]) == (
        "FILLED",
        "0.00166000",
        "99.60000000",
    )
    assert body["origQuoteOrderQty"] == "100.00000000"
    assert body["fills"][0] | {"tradeId": 0} == {
        "price": "60000.00000000",
        "qty": "0.00166000",
        "commission": "0.00000166",
        "commissionAsset": "BTC",
        "tradeId": 0,
    }
    assert await spot(sim, "USDT") == {"free": "900.4", "locked": "0"}
    assert await spot(sim, "BTC") == {"free": "0.01165834", "locked": "0"}
    assert response.headers["x-mbx-order-count-10s"] == "1"
    assert response.headers["x-mbx-used-weight-1m"] == "0"  # successful orders are free


async def test_market_sell_by_quantity_pays_fee_in_quote(sim: Sim, trader: Keys) -> None:
    body = (
        await order(sim, trader, symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01")
    ).json()

    assert body["fills"][0]["commission"] == "0.60000000"
    assert body["fills"][0]["commissionAsset"] == "USDT"
    assert await spot(sim, "USDT") == {"free": "1599.4", "locked": "0"}
    assert await spot(sim, "BTC") == {"free": "0", "locked": "0"}


async def test_limit_order_rests_locks_and_fills_when_the_path_crosses(
    sim: Sim, trader: Keys
) -> None:
    placed = (
        await order(
            sim,
            trader,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.001",
            price="59000",
        )
    ).json()

    assert (placed["status"], placed["fills"], placed["executedQty"]) == ("NEW", [], "0.00000000")
    assert await spot(sim, "USDT") == {"free": "941", "locked": "59"}
    open_orders = (await sim.signed("GET", "/api/v3/openOrders", trader, symbol="BTCUSDT")).json()
    assert [o["orderId"] for o in open_orders] == [placed["orderId"]]

    await sim.admin("POST", "/clock", {"advance_ms": MINUTE_MS})
    await sim.admin("POST", "/prices", {"BTCUSDT": "58900.00"})
    await sim.admin("POST", "/clock", {"advance_ms": MINUTE_MS})
    queried = (
        await sim.signed(
            "GET", "/api/v3/order", trader, symbol="BTCUSDT", orderId=placed["orderId"]
        )
    ).json()

    assert (queried["status"], queried["executedQty"], queried["cummulativeQuoteQty"]) == (
        "FILLED",
        "0.00100000",
        "59.00000000",
    )
    assert await spot(sim, "USDT") == {"free": "941", "locked": "0"}
    assert await spot(sim, "BTC") == {"free": "0.010999", "locked": "0"}
    assert (await sim.signed("GET", "/api/v3/openOrders", trader)).json() == []


async def test_limit_order_can_be_cancelled_and_releases_its_lock(sim: Sim, trader: Keys) -> None:
    placed = (
        await order(
            sim,
            trader,
            symbol="BTCUSDT",
            side="SELL",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.005",
            price="70000",
            newClientOrderId="my-order_1",
        )
    ).json()
    assert await spot(sim, "BTC") == {"free": "0.005", "locked": "0.005"}

    cancelled = await sim.signed(
        "DELETE",
        "/api/v3/order",
        trader,
        in_body=True,
        symbol="BTCUSDT",
        origClientOrderId="my-order_1",
    )

    assert cancelled.status_code == 200, cancelled.text
    assert_shape(cancelled.json(), ex.ORDER_CANCEL)
    assert (cancelled.json()["status"], cancelled.json()["origClientOrderId"]) == (
        "CANCELED",
        "my-order_1",
    )
    assert await spot(sim, "BTC") == {"free": "0.01", "locked": "0"}
    again = await sim.signed(
        "DELETE", "/api/v3/order", trader, symbol="BTCUSDT", orderId=placed["orderId"]
    )
    assert (again.status_code, again.json()["code"]) == (400, -2011)


async def test_a_marketable_limit_order_fills_at_once_at_the_market(sim: Sim, trader: Keys) -> None:
    body = (
        await order(
            sim,
            trader,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.001",
            price="61000",
        )
    ).json()

    assert body["status"] == "FILLED"
    assert body["fills"][0]["price"] == "60000.00000000"


async def test_filters_are_checked_before_the_balance(sim: Sim, trader: Keys) -> None:
    tiny = await order(sim, trader, symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="1")
    off_tick = await order(
        sim,
        trader,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="1",
        price="59000.001",
    )
    off_step = await order(
        sim,
        trader,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.000015",
        price="59000",
    )
    too_poor = await order(sim, trader, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1")

    assert (tiny.status_code, tiny.json()) == (
        400,
        {"code": -1013, "msg": "Filter failure: NOTIONAL"},
    )
    assert off_tick.json() == {"code": -1013, "msg": "Filter failure: PRICE_FILTER"}
    assert off_step.json() == {"code": -1013, "msg": "Filter failure: LOT_SIZE"}
    assert (too_poor.status_code, too_poor.json()) == (
        400,
        {"code": -2010, "msg": "Account has insufficient balance for requested action."},
    )
    assert too_poor.headers["x-mbx-used-weight-1m"] == "4"  # failed orders are charged


async def test_a_duplicate_open_client_order_id_is_refused(sim: Sim, trader: Keys) -> None:
    params = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.001",
        "price": "50000",
    }
    first = await order(sim, trader, newClientOrderId="same-id", **params)
    second = await order(sim, trader, newClientOrderId="same-id", **params)

    assert first.status_code == 200
    assert second.json() == {"code": -2010, "msg": "Duplicate order sent."}


async def test_a_filled_client_order_id_may_be_reused(sim: Sim, trader: Keys) -> None:
    params = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "MARKET",
        "quoteOrderQty": "10",
        "newClientOrderId": "again",
    }

    assert (await order(sim, trader, **params)).status_code == 200
    assert (await order(sim, trader, **params)).status_code == 200


async def test_client_order_id_pattern_is_enforced(sim: Sim, trader: Keys) -> None:
    response = await order(
        sim,
        trader,
        symbol="BTCUSDT",
        side="BUY",
        type="MARKET",
        quoteOrderQty="10",
        newClientOrderId="has.dot",
    )

    assert response.status_code == 400
    assert response.json()["code"] == -1100
    assert "newClientOrderId" in response.json()["msg"]


async def test_response_types_ack_result_full(sim: Sim, trader: Keys) -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "10"}
    ack = (await order(sim, trader, newOrderRespType="ACK", **params)).json()
    result = (await order(sim, trader, newOrderRespType="RESULT", **params)).json()

    assert set(ack) == set(ex.ORDER_ACK)
    assert_shape(result, ex.ORDER_RESULT)
    assert "fills" not in result


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"side": "BUY", "type": "MARKET"}, -1102),
        ({"side": "BUY", "type": "MARKET", "quantity": "0.001", "quoteOrderQty": "10"}, -1106),
        ({"side": "HOLD", "type": "MARKET", "quantity": "0.001"}, -1117),
        ({"side": "BUY", "type": "STOPPY", "quantity": "0.001"}, -1116),
        (
            {
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "XYZ",
                "quantity": "0.001",
                "price": "1",
            },
            -1115,
        ),
        ({"side": "BUY", "type": "MARKET", "quantity": "0.0010000001"}, -1111),
    ],
)
async def test_bad_parameters_get_their_codes(
    sim: Sim, trader: Keys, params: dict[str, str], code: int
) -> None:
    response = await order(sim, trader, symbol="BTCUSDT", **params)

    assert (response.status_code, response.json()["code"]) == (400, code)


async def test_quote_quantity_is_refused_where_not_allowed(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"BTC": "1"}})

    response = await order(
        sim, keys, symbol="ARDRBTC", side="BUY", type="MARKET", quoteOrderQty="0.01"
    )

    assert response.json()["code"] == -2010
    assert "not support" in response.json()["msg"]


async def test_test_order_validates_without_touching_balances(sim: Sim, trader: Keys) -> None:
    async def test_order(**params: str) -> Any:
        market_buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}
        return await sim.signed(
            "POST", "/api/v3/order/test", trader, in_body=True, **market_buy, **params
        )

    ok = await test_order(quantity="1")
    bad = await test_order(quoteOrderQty="1")
    rates = await test_order(quantity="0.001", computeCommissionRates="true")

    assert (ok.status_code, ok.json()) == (200, {})  # no balance check in order/test
    assert bad.json()["code"] == -1013
    assert rates.json()["standardCommissionForOrder"]["taker"] == "0.00100000"
    assert await spot(sim, "USDT") == {"free": "1000", "locked": "0"}


async def test_unknown_orders_are_2013_on_query(sim: Sim, trader: Keys) -> None:
    response = await sim.signed("GET", "/api/v3/order", trader, symbol="BTCUSDT", orderId=424242)

    assert (response.status_code, response.json()) == (
        400,
        {"code": -2013, "msg": "Order does not exist."},
    )


async def test_open_orders_weight_depends_on_symbol(sim: Sim, trader: Keys) -> None:
    one = await sim.signed("GET", "/api/v3/openOrders", trader, symbol="BTCUSDT")
    every = await sim.signed("GET", "/api/v3/openOrders", trader)

    assert one.headers["x-mbx-used-weight-1m"] == "6"
    assert every.headers["x-mbx-used-weight-1m"] == "86"

"""Spot orders: ``POST/GET/DELETE /api/v3/order``, ``POST /api/v3/order/test``, ``openOrders``."""

from __future__ import annotations

from typing import Any

from binfolio.simulator import errors
from binfolio.simulator.catalogue import SYMBOL_BY_NAME
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.orders import Order, cancel_order, find_order, parse_order, place_order
from binfolio.simulator.signing import Params
from binfolio.simulator.wire import d8

_RESPONSE_TYPES = ("ACK", "RESULT", "FULL")


def _common(order: Order) -> dict[str, Any]:
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "price": d8(order.price),
        "origQty": d8(order.orig_qty),
        "executedQty": d8(order.executed_qty),
        "origQuoteOrderQty": d8(order.orig_quote_qty),
        "cummulativeQuoteQty": d8(order.cumm_quote_qty),  # Binance's spelling
        "status": order.status,
        "timeInForce": order.time_in_force,
        "type": order.type,
        "side": order.side,
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }


def _result(order: Order) -> dict[str, Any]:
    """The RESULT answer of a new order."""
    return _common(order) | {"transactTime": order.time_ms, "workingTime": order.time_ms}


def order_view(order: Order) -> dict[str, Any]:
    """An order as ``GET /api/v3/order`` and ``openOrders`` show it."""
    return _common(order) | {
        "stopPrice": "0.00000000",
        "icebergQty": "0.00000000",
        "time": order.time_ms,
        "updateTime": order.update_ms,
        "isWorking": True,
        "workingTime": order.time_ms,
    }


def _response_type(params: Params, order_type: str) -> str:
    default = "FULL" if order_type in ("MARKET", "LIMIT") else "ACK"
    value = params.get("newOrderRespType") or default
    if value not in _RESPONSE_TYPES:
        raise errors.malformed_param("newOrderRespType")
    return value


def _new_order(call: Call) -> object:
    account = call.user
    request = parse_order(call.state, call.params)
    response_type = _response_type(call.params, request.type)
    ten_s, day = call.state.meter.count_order(account.uid)
    call.headers["X-MBX-ORDER-COUNT-10S"] = str(ten_s)
    call.headers["X-MBX-ORDER-COUNT-1D"] = str(day)
    order = place_order(call.state, account, request)
    if response_type == "ACK":
        return {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_order_id,
            "transactTime": order.time_ms,
        }
    body = _result(order)
    if response_type == "FULL":
        body["fills"] = order.fills
    return body


def _test_order(call: Call) -> object:
    request = parse_order(call.state, call.params)
    _response_type(call.params, request.type)
    if not call.params.boolean("computeCommissionRates"):
        return {}
    fee = d8(call.state.taker_fee)
    return {
        "standardCommissionForOrder": {"maker": fee, "taker": fee},
        "specialCommissionForOrder": {"maker": "0.00000000", "taker": "0.00000000"},
        "taxCommissionForOrder": {"maker": "0.00000000", "taker": "0.00000000"},
        "discount": {
            "enabledForAccount": False,
            "enabledForSymbol": False,
            "discountAsset": "BNB",
            "discount": "0.00000000",
        },
    }


def _get_order(call: Call) -> object:
    if call.params.require("symbol") not in SYMBOL_BY_NAME:
        raise errors.invalid_symbol()
    order = find_order(call.user, call.params)
    if order is None:
        raise errors.bad_request(-2013, "Order does not exist.")
    return order_view(order)


def _cancel(call: Call) -> object:
    symbol = call.params.require("symbol")
    if symbol not in SYMBOL_BY_NAME:
        raise errors.invalid_symbol()
    order = find_order(call.user, call.params)
    if order is None or not order.is_open:
        raise errors.bad_request(-2011, "Unknown order sent.")
    cancel_order(call.user, order, call.now_ms, SYMBOL_BY_NAME[symbol])
    body = _result(order)
    del body["workingTime"]
    body["origClientOrderId"] = order.client_order_id
    body["clientOrderId"] = call.params.get("newClientOrderId") or f"cancel{order.order_id}"
    body["transactTime"] = call.now_ms
    return body


def _open_orders(call: Call) -> object:
    symbol = call.params.get("symbol")
    if symbol is not None and symbol not in SYMBOL_BY_NAME:
        raise errors.invalid_symbol()
    orders = sorted(call.user.open_orders.values(), key=lambda o: o.order_id)
    return [order_view(o) for o in orders if symbol in (None, o.symbol)]


def _open_orders_weight(params: Params) -> int:
    return 6 if params.get("symbol") else 80


ENDPOINTS = [
    Endpoint("POST", "/api/v3/order", _new_order, security="TRADE", free_on_success=True),
    Endpoint("POST", "/api/v3/order/test", _test_order, security="TRADE"),
    Endpoint("GET", "/api/v3/order", _get_order, weight=4, security="USER_DATA"),
    Endpoint("DELETE", "/api/v3/order", _cancel, security="TRADE", free_on_success=True),
    Endpoint(
        "GET", "/api/v3/openOrders", _open_orders, weight=_open_orders_weight, security="USER_DATA"
    ),
]

"""USD-M futures public endpoints (``/fapi``), and the COIN-M (``/dapi``) exchangeInfo stub
that ccxt calls at start-up."""

from __future__ import annotations

from typing import Any

from binfolio.simulator import errors
from binfolio.simulator.catalogue import (
    FUTURES,
    FUTURES_BY_NAME,
    FUTURES_MARGIN_ASSETS,
    FuturesSpec,
)
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.futures import mark_price
from binfolio.simulator.signing import Params
from binfolio.simulator.wire import dp


def _futures_symbol(spec: FuturesSpec) -> dict[str, Any]:
    return {
        "symbol": spec.symbol,
        "pair": spec.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": spec.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": spec.price_precision,
        "quantityPrecision": spec.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": f"{spec.tick_size}",
                "maxPrice": "4529764",
                "tickSize": f"{spec.tick_size}",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": f"{spec.step_size}",
                "maxQty": "1000000",
                "stepSize": f"{spec.step_size}",
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": f"{spec.step_size}",
                "maxQty": "120000",
                "stepSize": f"{spec.step_size}",
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": "5"},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
    }


def _ping(call: Call) -> object:
    return {}


def _time(call: Call) -> object:
    return {"serverTime": call.state.clock.server_ms()}


def _exchange_info(call: Call) -> object:
    return {
        "exchangeFilters": [],
        "rateLimits": [
            {
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": call.state.meter.limits.fapi_weight_1m,
                "rateLimitType": "REQUEST_WEIGHT",
            },
            {"interval": "MINUTE", "intervalNum": 1, "limit": 1200, "rateLimitType": "ORDERS"},
        ],
        "serverTime": call.state.clock.server_ms(),
        "assets": [
            {
                "asset": a,
                "marginAvailable": True,
                "autoAssetExchange": "0" if a == "USDT" else "-0.10",
            }
            for a in FUTURES_MARGIN_ASSETS
        ],
        "symbols": [_futures_symbol(spec) for spec in FUTURES],
        "timezone": "UTC",
    }


def _dapi_exchange_info(call: Call) -> object:
    return {
        "timezone": "UTC",
        "serverTime": call.state.clock.server_ms(),
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": [],
    }


def _ticker(call: Call) -> object:
    market, now_ms = call.state.market, call.now_ms
    server_ms = call.state.clock.server_ms()
    wanted = call.params.get("symbol")
    if wanted is not None:
        if wanted not in FUTURES_BY_NAME:
            raise errors.invalid_symbol()
        spec = FUTURES_BY_NAME[wanted]
        return {
            "symbol": wanted,
            "price": dp(mark_price(market, wanted, now_ms), spec.price_precision),
            "time": server_ms,
        }
    return [
        {
            "symbol": s.symbol,
            "price": dp(mark_price(market, s.symbol, now_ms), s.price_precision),
            "time": server_ms,
        }
        for s in FUTURES
    ]


def _ticker_weight(params: Params) -> int:
    return 1 if params.get("symbol") else 2


ENDPOINTS = [
    Endpoint("GET", "/fapi/v1/ping", _ping),
    Endpoint("GET", "/fapi/v1/time", _time),
    Endpoint("GET", "/fapi/v1/exchangeInfo", _exchange_info),
    Endpoint("GET", "/fapi/v1/ticker/price", _ticker, weight=_ticker_weight),
    Endpoint("GET", "/fapi/v2/ticker/price", _ticker, weight=_ticker_weight),
    Endpoint("GET", "/dapi/v1/exchangeInfo", _dapi_exchange_info),
]

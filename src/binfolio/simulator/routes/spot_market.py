"""Spot public endpoints: ping, time, exchangeInfo, ticker/price, ticker/24hr, klines."""

from __future__ import annotations

from typing import Any

from binfolio.simulator import errors
from binfolio.simulator.catalogue import SYMBOL_BY_NAME, SYMBOLS, SymbolSpec
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.klines import interval_ms, kline_opens, kline_row
from binfolio.simulator.paths import MINUTE_MS
from binfolio.simulator.signing import Params
from binfolio.simulator.wire import d8

_ORDER_TYPES = [
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]
_STP_MODES = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER"]


def symbol_info(spec: SymbolSpec) -> dict[str, Any]:
    """One symbol of ``exchangeInfo`` with its filters (Binance's "Filters" page)."""
    return {
        "symbol": spec.symbol,
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": _ORDER_TYPES,
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "opoAllowed": True,
        "quoteOrderQtyMarketAllowed": spec.quote_order_qty_market_allowed,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "pegInstructionsAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": d8(spec.tick_size),
                "maxPrice": "1000000.00000000",
                "tickSize": d8(spec.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": d8(spec.min_qty),
                "maxQty": d8(spec.max_qty),
                "stepSize": d8(spec.step_size),
            },
            {"filterType": "ICEBERG_PARTS", "limit": 100},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": "0.00000000",
                "maxQty": d8(spec.max_qty),
                "stepSize": "0.00000000",
            },
            {
                "filterType": "TRAILING_DELTA",
                "minTrailingAboveDelta": 10,
                "maxTrailingAboveDelta": 2000,
                "minTrailingBelowDelta": 10,
                "maxTrailingBelowDelta": 2000,
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": d8(spec.min_notional),
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": _STP_MODES,
    }


_SYMBOL_INFO = {spec.symbol: symbol_info(spec) for spec in SYMBOLS}


def _selected(params: Params) -> list[str] | None:
    """The symbols asked for by ``symbol`` or ``symbols``; None for all."""
    symbol, symbols = params.get("symbol"), params.string_list("symbols")
    if symbol and symbols:
        raise errors.bad_request(-1128, "Combination of optional parameters invalid.")
    wanted = [symbol] if symbol else symbols
    if wanted is not None and any(s not in SYMBOL_BY_NAME for s in wanted):
        raise errors.invalid_symbol()
    return wanted


def _ping(call: Call) -> object:
    return {}


def _time(call: Call) -> object:
    return {"serverTime": call.state.clock.server_ms()}


def _exchange_info(call: Call) -> object:
    limits = call.state.meter.limits
    wanted = _selected(call.params) or list(_SYMBOL_INFO)
    return {
        "timezone": "UTC",
        "serverTime": call.state.clock.server_ms(),
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": limits.api_weight_1m,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": limits.orders_10s,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "DAY",
                "intervalNum": 1,
                "limit": limits.orders_1d,
            },
            {
                "rateLimitType": "RAW_REQUESTS",
                "interval": "MINUTE",
                "intervalNum": 5,
                "limit": 300000,
            },
        ],
        "exchangeFilters": [],
        "symbols": [_SYMBOL_INFO[s] for s in wanted],
    }


def _ticker_price(call: Call) -> object:
    market, now_ms = call.state.market, call.now_ms
    if call.params.get("symbol"):
        _selected(call.params)
        symbol = call.params.require("symbol")
        return {"symbol": symbol, "price": d8(market.price(symbol, now_ms))}
    wanted = _selected(call.params) or list(SYMBOL_BY_NAME)
    return [{"symbol": s, "price": d8(market.price(s, now_ms))} for s in wanted]


def _ticker_24hr(call: Call) -> object:
    market, now_ms = call.state.market, call.now_ms
    day_ago = now_ms - 1440 * MINUTE_MS

    def row(symbol: str) -> dict[str, Any]:
        low, high = market.extremes(symbol, day_ago, now_ms)
        opened, last = market.price(symbol, day_ago), market.price(symbol, now_ms)
        volume = kline_row(market, symbol, day_ago, 1440 * MINUTE_MS, now_ms)
        return {
            "symbol": symbol,
            "priceChange": d8(last - opened),
            "priceChangePercent": f"{(last - opened) / opened * 100:.3f}",
            "weightedAvgPrice": d8((opened + last) / 2),
            "prevClosePrice": d8(opened),
            "lastPrice": d8(last),
            "lastQty": "0.00000000",
            "bidPrice": d8(last),
            "bidQty": "1.00000000",
            "askPrice": d8(last),
            "askQty": "1.00000000",
            "openPrice": d8(opened),
            "highPrice": d8(high),
            "lowPrice": d8(low),
            "volume": volume[5],
            "quoteVolume": volume[7],
            "openTime": day_ago,
            "closeTime": now_ms,
            "firstId": 1,
            "lastId": volume[8],
            "count": volume[8],
        }

    if call.params.get("symbol"):
        _selected(call.params)
        return row(call.params.require("symbol"))
    return [row(s) for s in _selected(call.params) or list(SYMBOL_BY_NAME)]


def _klines(call: Call) -> object:
    params = call.params
    symbol = params.require("symbol")
    if symbol not in SYMBOL_BY_NAME:
        raise errors.invalid_symbol()
    length_ms = interval_ms(params.require("interval"))
    limit = min(max(params.integer("limit", 500) or 500, 1), 1000)
    opens = kline_opens(
        length_ms, call.now_ms, params.integer("startTime"), params.integer("endTime"), limit
    )
    market = call.state.market
    return [kline_row(market, symbol, opened, length_ms, call.now_ms) for opened in opens]


def _ticker_weight(params: Params) -> int:
    return 2 if params.get("symbol") else 4


def _ticker_24hr_weight(params: Params) -> int:
    if params.get("symbol"):
        return 2
    symbols = params.string_list("symbols")
    return 80 if symbols is None else min(80, 2 * len(symbols))


ENDPOINTS = [
    Endpoint("GET", "/api/v3/ping", _ping),
    Endpoint("GET", "/api/v3/time", _time),
    Endpoint("GET", "/api/v3/exchangeInfo", _exchange_info, weight=20),
    Endpoint("GET", "/api/v3/ticker/price", _ticker_price, weight=_ticker_weight),
    Endpoint("GET", "/api/v3/ticker/24hr", _ticker_24hr, weight=_ticker_24hr_weight),
    Endpoint("GET", "/api/v3/klines", _klines, weight=2),
]

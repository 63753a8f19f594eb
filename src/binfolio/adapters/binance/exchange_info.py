"""``GET /api/v3/exchangeInfo`` and order answers → the trader's domain objects.

Filter names and fields: https://developers.binance.com/docs/binance-spot-api-docs/filters.
Amounts are parsed from Binance's strings into ``Decimal``; a malformed answer raises one
``BinanceResponseError`` naming the endpoint and the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binfolio.adapters.binance.errors import BinanceResponseError
from binfolio.domain.money import ZERO, MoneyParseError, to_decimal
from binfolio.domain.trading.filters import SymbolRules
from binfolio.domain.trading.orders import Fill, OrderOutcome, status_from_binance


def _fail(endpoint: str, problem: str) -> BinanceResponseError:
    return BinanceResponseError(f"{endpoint}: {problem}", endpoint=endpoint)


def _dec(row: dict[str, Any], name: str, endpoint: str, default: Decimal | None = None) -> Decimal:
    if name not in row:
        if default is not None:
            return default
        raise _fail(endpoint, f"field '{name}' missing in {str(row)[:120]}")
    try:
        return to_decimal(row[name], field=name)
    except MoneyParseError as exc:
        raise _fail(endpoint, str(exc)) from exc


def _filters(raw: dict[str, Any], endpoint: str) -> dict[str, dict[str, Any]]:
    filters = raw.get("filters", [])
    if not isinstance(filters, list):
        raise _fail(endpoint, f"'filters' of {raw.get('symbol')} is not a list")
    return {str(f.get("filterType")): f for f in filters if isinstance(f, dict)}


def symbol_rules(raw: dict[str, Any], endpoint: str) -> SymbolRules:
    """One ``symbols[]`` entry as :class:`SymbolRules`.

    Raises:
        BinanceResponseError: when a field the trader needs is missing or not a number.
    """
    filters = _filters(raw, endpoint)
    price = filters.get("PRICE_FILTER", {})
    lot = filters.get("LOT_SIZE", {})
    market = filters.get("MARKET_LOT_SIZE", {})
    # NOTIONAL replaced MIN_NOTIONAL on most symbols; either may be present.
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    band = filters.get("PERCENT_PRICE_BY_SIDE", {})
    apply_min = notional.get("applyMinToMarket", notional.get("applyToMarket", True))
    try:
        return SymbolRules(
            symbol=str(raw["symbol"]),
            base_asset=str(raw["baseAsset"]),
            quote_asset=str(raw["quoteAsset"]),
            status=str(raw.get("status", "TRADING")),
            order_types=frozenset(str(t) for t in raw.get("orderTypes", ["MARKET", "LIMIT"])),
            quote_order_qty_market_allowed=bool(raw.get("quoteOrderQtyMarketAllowed", False)),
            quote_precision=int(raw.get("quoteAssetPrecision", raw.get("quotePrecision", 8))),
            tick_size=_dec(price, "tickSize", endpoint, ZERO),
            min_price=_dec(price, "minPrice", endpoint, ZERO),
            max_price=_dec(price, "maxPrice", endpoint, ZERO),
            step_size=_dec(lot, "stepSize", endpoint, ZERO),
            min_qty=_dec(lot, "minQty", endpoint, ZERO),
            max_qty=_dec(lot, "maxQty", endpoint, ZERO),
            market_step_size=_dec(market, "stepSize", endpoint, ZERO),
            market_min_qty=_dec(market, "minQty", endpoint, ZERO),
            market_max_qty=_dec(market, "maxQty", endpoint, ZERO),
            min_notional=_dec(notional, "minNotional", endpoint, ZERO),
            apply_min_to_market=bool(apply_min),
            max_notional=_dec(notional, "maxNotional", endpoint, ZERO),
            apply_max_to_market=bool(notional.get("applyMaxToMarket", False)),
            bid_multiplier_up=_dec(band, "bidMultiplierUp", endpoint, ZERO),
            bid_multiplier_down=_dec(band, "bidMultiplierDown", endpoint, ZERO),
            ask_multiplier_up=_dec(band, "askMultiplierUp", endpoint, ZERO),
            ask_multiplier_down=_dec(band, "askMultiplierDown", endpoint, ZERO),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(endpoint, f"symbol entry unreadable ({exc!r}): {str(raw)[:120]}") from exc


def exchange_rules(raw: Any, endpoint: str) -> dict[str, SymbolRules]:
    """Every symbol of an ``exchangeInfo`` answer, by name.

    Raises:
        BinanceResponseError: when the answer has no readable ``symbols`` list.
    """
    symbols = raw.get("symbols") if isinstance(raw, dict) else None
    if not isinstance(symbols, list):
        raise _fail(endpoint, "expected an object with a 'symbols' list")
    rules = (symbol_rules(s, endpoint) for s in symbols if isinstance(s, dict))
    return {r.symbol: r for r in rules}


def order_outcome(raw: Any, endpoint: str) -> OrderOutcome:
    """A ``POST /api/v3/order`` (RESULT/FULL) or ``GET /api/v3/order`` answer.

    ``fills`` come only with FULL answers; a partly executed MARKET order may end ``EXPIRED``
    and still hold fills, so ``executedQty``/``cummulativeQuoteQty`` are always read.

    Raises:
        BinanceResponseError: when the answer lacks the order's id, status or quantities.
    """
    if not isinstance(raw, dict):
        raise _fail(endpoint, f"expected an order object, got {str(raw)[:120]}")
    try:
        fills = tuple(
            Fill(
                price=_dec(f, "price", endpoint),
                qty=_dec(f, "qty", endpoint),
                commission=_dec(f, "commission", endpoint, ZERO),
                commission_asset=str(f.get("commissionAsset", "")),
                trade_id=int(f["tradeId"]) if "tradeId" in f else None,
            )
            for f in raw.get("fills", [])
        )
        return OrderOutcome(
            client_order_id=str(raw["clientOrderId"]),
            status=status_from_binance(str(raw["status"])),
            exchange_order_id=int(raw["orderId"]),
            executed_qty=_dec(raw, "executedQty", endpoint),
            quote_qty=_dec(raw, "cummulativeQuoteQty", endpoint),  # Binance's spelling
            fills=fills,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(endpoint, f"order answer unreadable ({exc!r}): {str(raw)[:160]}") from exc

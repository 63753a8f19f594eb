"""Spot trading calls: ping, time, exchangeInfo, one price, balances, new order, order lookup.

Binance failures are translated here into the trader's three cases
(``binfolio.domain.trading.orders``):

* **rejected** — nothing was placed: filters (-1013), balance (-2010), format (-1100, -1111),
  signature or key (-1022, -2015), a second -1021 after the client's one resync, a 418 ban;
* **unknown** — maybe placed: timeouts, dropped connections, 5xx, -1007, a 429, and -2010
  "Duplicate order sent." (an open order already has this id): the caller looks the order up
  by ``origClientOrderId`` before anything is sent again;
* **unavailable** — a read failed; nothing was sent.

Rules: https://developers.binance.com/docs/binance-spot-api-docs/rest-api (New order, Query
order) and ``docs/trading.md``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binfolio.adapters.binance import exchange_info, parsing
from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.endpoints import (
    EXCHANGE_INFO,
    NEW_ORDER,
    PING,
    QUERY_ORDER,
    SPOT_ACCOUNT,
    TICKER_PRICE,
    TICKER_PRICES,
)
from binfolio.adapters.binance.errors import (
    BinanceError,
    BinanceResponseError,
    BinanceTemporaryError,
)
from binfolio.adapters.binance.market import MarketDataClient
from binfolio.adapters.binance.rest import RestCore
from binfolio.adapters.binance.signing import ParamValue, encode_params
from binfolio.domain.money import MoneyParseError, to_decimal
from binfolio.domain.trading.filters import SymbolRules, wire
from binfolio.domain.trading.orders import (
    ExchangeUnavailable,
    OrderError,
    OrderOutcome,
    OrderOutcomeUnknown,
    OrderRejected,
)
from binfolio.domain.trading.sizing import OrderPlan

ORDER_NOT_FOUND = -2013
UNKNOWN_OUTCOME_CODES = frozenset({-1007, -1006})  # timeout / unexpected response
DUPLICATE_ORDER = "Duplicate order sent."


def order_error(exc: BinanceError) -> OrderError:
    """The trader's view of a failed ``POST /api/v3/order``."""
    text = str(exc)
    if isinstance(exc, BinanceTemporaryError | BinanceResponseError):
        return OrderOutcomeUnknown(text, code=exc.code)
    if exc.code in UNKNOWN_OUTCOME_CODES or (exc.code == -2010 and DUPLICATE_ORDER in text):
        return OrderOutcomeUnknown(text, code=exc.code)
    return OrderRejected(text, code=exc.code)


class _SpotPublic:
    """Unsigned spot calls the trader needs in every mode (paper reads only these)."""

    _rest: RestCore

    async def ping(self) -> None:
        """``GET /api/v3/ping``.

        Raises:
            ExchangeUnavailable: when Binance does not answer.
        """
        try:
            await self._rest.call(PING, lambda: "")
        except BinanceError as exc:
            raise ExchangeUnavailable(str(exc), code=exc.code) from exc

    async def symbol_rules(self) -> dict[str, SymbolRules]:
        """Every symbol's filters, from one ``exchangeInfo`` call (weight 20).

        Raises:
            ExchangeUnavailable: when the call fails or its answer cannot be read.
        """
        try:
            raw = await self._rest.call(EXCHANGE_INFO, lambda: "")
            return exchange_info.exchange_rules(raw, EXCHANGE_INFO.name)
        except BinanceError as exc:
            raise ExchangeUnavailable(str(exc), code=exc.code) from exc

    async def last_price(self, symbol: str) -> Decimal:
        """The symbol's last price (``GET /api/v3/ticker/price?symbol=…``, weight 2).

        Raises:
            ExchangeUnavailable: when the call fails or the symbol is unknown.
        """
        try:
            raw = await self._rest.call(TICKER_PRICE, lambda: encode_params({"symbol": symbol}))
            if not isinstance(raw, dict):
                raise BinanceResponseError(
                    f"{TICKER_PRICE.name}: expected an object", endpoint=TICKER_PRICE.name
                )
            return to_decimal(raw.get("price", ""), field="price")
        except (BinanceError, MoneyParseError) as exc:
            raise ExchangeUnavailable(f"{symbol} price: {exc}") from exc

    async def all_prices(self) -> dict[str, Decimal]:
        """Every symbol's last price in one call (weight 4): values a whole account.

        Raises:
            ExchangeUnavailable: when the call fails.
        """
        try:
            raw = await self._rest.call(TICKER_PRICES, lambda: "")
            return parsing.ticker_prices(raw, TICKER_PRICES.name)
        except BinanceError as exc:
            raise ExchangeUnavailable(f"prices: {exc}") from exc


class PublicSpotClient(_SpotPublic, MarketDataClient):
    """The public calls alone (paper mode): no key."""


class SpotTradingClient(_SpotPublic, BinanceClient):
    """One account's signed spot trading calls (testnet, demo or live)."""

    async def free_balances(self) -> dict[str, Decimal]:
        """Free balance per asset (``GET /api/v3/account``, weight 20).

        Raises:
            ExchangeUnavailable: when the call fails.
        """
        try:
            raw = await self._signed(SPOT_ACCOUNT, {"omitZeroBalances": True})
            balances = raw.get("balances") if isinstance(raw, dict) else None
            if not isinstance(balances, list):
                raise BinanceResponseError(
                    f"{SPOT_ACCOUNT.name}: no 'balances' list", endpoint=SPOT_ACCOUNT.name
                )
            return {
                str(b["asset"]): to_decimal(b["free"], field="free")
                for b in balances
                if isinstance(b, dict)
            }
        except (BinanceError, MoneyParseError, KeyError) as exc:
            raise ExchangeUnavailable(f"balances: {exc}") from exc

    async def new_order(self, plan: OrderPlan, client_order_id: str) -> OrderOutcome:
        """Send one order (never repeated here; a -1021 is resynced and sent once more).

        Raises:
            OrderRejected: when Binance certainly did not place it.
            OrderOutcomeUnknown: when it may have been placed (look it up before re-sending).
        """
        params: dict[str, ParamValue] = {
            "symbol": plan.symbol,
            "side": plan.side.value,
            "type": plan.order_type.value,
        }
        if plan.order_type.value == "LIMIT":
            params["timeInForce"] = "GTC"
        if plan.quantity is not None:
            params["quantity"] = wire(plan.quantity)
        if plan.quote_order_qty is not None:
            params["quoteOrderQty"] = wire(plan.quote_order_qty)
        if plan.price is not None and plan.order_type.value == "LIMIT":
            params["price"] = wire(plan.price)
        params["newClientOrderId"] = client_order_id
        params["newOrderRespType"] = "FULL"
        try:
            raw = await self._signed(NEW_ORDER, params)
            return exchange_info.order_outcome(raw, NEW_ORDER.name)
        except BinanceError as exc:
            raise order_error(exc) from exc

    async def query_order(self, symbol: str, client_order_id: str) -> OrderOutcome | None:
        """The order with this client id (``GET /api/v3/order``); None when Binance has none.

        Raises:
            OrderOutcomeUnknown: when the lookup itself fails (still unknown).
        """
        params: dict[str, ParamValue] = {"symbol": symbol, "origClientOrderId": client_order_id}
        try:
            raw: Any = await self._signed(QUERY_ORDER, params)
            return exchange_info.order_outcome(raw, QUERY_ORDER.name)
        except BinanceError as exc:
            if exc.code == ORDER_NOT_FOUND:
                return None
            raise OrderOutcomeUnknown(f"lookup of {client_order_id}: {exc}", code=exc.code) from exc

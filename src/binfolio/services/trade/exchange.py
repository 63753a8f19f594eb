"""The two kinds of exchange the trader places orders on: Binance (testnet, demo, live) and paper.

Both answer the same questions (rules, price, balances) and take the same orders; the paper one
fills at the current public price and keeps its balances in the database, so paper trading
exercises every path of the trader except the signed calls.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from binfolio.domain.clock import Clock, to_ms
from binfolio.domain.money import ZERO
from binfolio.domain.trading.filters import SymbolRules, floor_to
from binfolio.domain.trading.orders import (
    ExchangeUnavailable,
    Fill,
    OrderOutcome,
    OrderRejected,
    TradeStatus,
)
from binfolio.domain.trading.records import StoredTrade
from binfolio.domain.trading.signal import OrderType, Side
from binfolio.services.ports import Db
from binfolio.services.trade.ports import PaperLedger, PublicSpotApi, SpotTradingApi, TradeStore
from binfolio.services.trade.rules_cache import RulesCache

# Binance's base-tier taker fee, taken from the asset received (as the simulator does).
PAPER_FEE_RATE = Decimal("0.001")
_EIGHT = Decimal("0.00000001")


@dataclass(frozen=True)
class Balances:
    """Free balances and when they were asked for (reservations made later are not in them)."""

    free: dict[str, Decimal]
    read_at: datetime


class Exchange(Protocol):
    """What the worker and placement need from wherever orders go."""

    mode: str
    endpoint: str
    rules: RulesCache

    async def open(self) -> None: ...

    async def probe(self) -> dict[str, Any]: ...

    async def last_price(self, symbol: str) -> Decimal: ...

    async def balances(self) -> Balances: ...

    async def equity_usdt(self, balances: Balances) -> Decimal: ...

    async def place(self, trade: StoredTrade) -> OrderOutcome: ...

    async def lookup(self, trade: StoredTrade) -> OrderOutcome | None: ...


async def _timed(step: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = await step()
    except ExchangeUnavailable as exc:
        return {"ok": False, "error": str(exc)}
    result: dict[str, Any] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if isinstance(detail, dict):
        result.update(detail)
    return result


async def _public_probe(api: PublicSpotApi, rules: RulesCache, clock: Clock) -> dict[str, Any]:
    async def server_time() -> dict[str, Any]:
        try:
            server_ms = await api.server_time_ms()
        except Exception as exc:  # the market client raises BinanceError; reported, not raised
            raise ExchangeUnavailable(str(exc)) from exc
        return {"offset_ms": server_ms - to_ms(clock())}

    async def exchange_info() -> dict[str, Any]:
        return {"symbols": await rules.refresh()}

    return {
        "ping": await _timed(api.ping),
        "time": await _timed(server_time),
        "exchange_info": await _timed(exchange_info),
    }


async def _equity(api: PublicSpotApi, balances: Balances) -> Decimal:
    prices = await api.all_prices()
    total = ZERO
    for asset, amount in balances.free.items():
        if asset == "USDT":
            total += amount
        elif f"{asset}USDT" in prices:
            total += amount * prices[f"{asset}USDT"]
    return total


class BinanceExchange:
    """Orders on Binance through one account's key (testnet, demo or live)."""

    def __init__(
        self, api: SpotTradingApi, *, mode: str, endpoint: str, rules: RulesCache, clock: Clock
    ) -> None:
        self._api = api
        self.mode = mode
        self.endpoint = endpoint
        self.rules = rules
        self._clock = clock

    async def open(self) -> None:
        """Nothing to prepare: the exchange keeps the account."""

    async def probe(self) -> dict[str, Any]:
        """ping, time, exchangeInfo and account, each with its outcome and latency."""
        checks = await _public_probe(self._api, self.rules, self._clock)

        async def account() -> dict[str, Any]:
            free = await self._api.free_balances()
            return {"assets": len(free), "free_usdt": format(free.get("USDT", ZERO), "f")}

        checks["account"] = await _timed(account)
        return checks

    async def last_price(self, symbol: str) -> Decimal:
        """The symbol's last price."""
        return await self._api.last_price(symbol)

    async def balances(self) -> Balances:
        """Free balances from ``GET /api/v3/account``."""
        read_at = self._clock()
        return Balances(await self._api.free_balances(), read_at)

    async def equity_usdt(self, balances: Balances) -> Decimal:
        """The free balances valued at their USDT pairs (one all-prices call)."""
        return await _equity(self._api, balances)

    async def place(self, trade: StoredTrade) -> OrderOutcome:
        """Send the order (see ``SpotTradingClient.new_order`` for its failures)."""
        return await self._api.new_order(trade.plan, trade.client_order_id)

    async def lookup(self, trade: StoredTrade) -> OrderOutcome | None:
        """The order by its client id; None when Binance has none."""
        return await self._api.query_order(trade.plan.symbol, trade.client_order_id)


class PaperExchange:
    """Simulated fills at the current public price; balances in the database.

    MARKET orders fill at once at the last price, less a 0.1% fee in the asset received. LIMIT
    orders fill only when they cross the current price (at that price), otherwise they expire at
    once: resting paper orders are not simulated.
    """

    def __init__(
        self,
        api: PublicSpotApi,
        *,
        book: PaperLedger,
        store: TradeStore,
        db: Db,
        endpoint: str,
        rules: RulesCache,
        clock: Clock,
    ) -> None:
        self._api = api
        self._book = book
        self._store = store
        self._db = db
        self.mode = "paper"
        self.endpoint = endpoint
        self.rules = rules
        self._clock = clock

    async def open(self) -> None:
        """Give a new paper account its starting USDT (an existing one keeps its balances)."""
        await self._db.call(self._book.open, self._clock())

    async def probe(self) -> dict[str, Any]:
        """ping, time and exchangeInfo of the price source, and the paper account's USDT."""
        checks = await _public_probe(self._api, self.rules, self._clock)
        free = await self._db.call(self._book.balances)
        checks["account"] = {
            "ok": True,
            "source": "paper balances in the database",
            "free_usdt": format(free.get("USDT", ZERO), "f"),
        }
        return checks

    async def last_price(self, symbol: str) -> Decimal:
        """The symbol's last public price."""
        return await self._api.last_price(symbol)

    async def balances(self) -> Balances:
        """The paper account's free balances."""
        read_at = self._clock()
        return Balances(await self._db.call(self._book.balances), read_at)

    async def equity_usdt(self, balances: Balances) -> Decimal:
        """The paper balances valued at public USDT prices."""
        return await _equity(self._api, balances)

    async def place(self, trade: StoredTrade) -> OrderOutcome:
        """Fill the order against the paper balances.

        Raises:
            OrderRejected: -2010 when the paper balance cannot pay.
            ExchangeUnavailable: when the price cannot be read (nothing happened).
        """
        plan = trade.plan
        rules = await self.rules.get(plan.symbol)
        price = await self._api.last_price(plan.symbol)
        outcome, pay, receive = _paper_fill(trade, rules, price)
        if outcome.executed_qty == 0:
            return outcome
        return await self._db.call(
            self._book.fill,
            trade.client_order_id,
            pay=pay,
            receive=receive,
            outcome=outcome,
            now=self._clock(),
        )

    async def lookup(self, trade: StoredTrade) -> OrderOutcome | None:
        """The fill recorded for the trade, if any."""
        return await self._db.call(self._store.stored_outcome, trade.client_order_id)


def _paper_fill(
    trade: StoredTrade, rules: SymbolRules, price: Decimal
) -> tuple[OrderOutcome, tuple[str, Decimal], tuple[str, Decimal]]:
    """(outcome, what the account pays, what it receives) of a paper order at ``price``."""
    plan = trade.plan
    base, quote = rules.base_asset, rules.quote_asset
    if plan.order_type is OrderType.LIMIT and plan.price is not None:
        crosses = price <= plan.price if plan.side is Side.BUY else price >= plan.price
        if not crosses:
            expired = OrderOutcome(trade.client_order_id, TradeStatus.EXPIRED)
            return expired, (quote, ZERO), (base, ZERO)
    if plan.quote_order_qty is not None:
        qty = floor_to(plan.quote_order_qty / price, rules.market_lot()[0])
    else:
        qty = plan.quantity or ZERO
    if qty <= 0:
        raise OrderRejected("Filter failure: LOT_SIZE", code=-1013)
    cost = qty * price
    if plan.side is Side.BUY:
        fee = (qty * PAPER_FEE_RATE).quantize(_EIGHT, rounding=ROUND_HALF_EVEN)
        pay, receive, fee_asset = (quote, cost), (base, qty - fee), base
    else:
        fee = (cost * PAPER_FEE_RATE).quantize(_EIGHT, rounding=ROUND_HALF_EVEN)
        pay, receive, fee_asset = (base, qty), (quote, cost - fee), quote
    fill = Fill(price, qty, fee, fee_asset)
    outcome = OrderOutcome(trade.client_order_id, TradeStatus.FILLED, None, qty, cost, (fill,))
    return outcome, pay, receive

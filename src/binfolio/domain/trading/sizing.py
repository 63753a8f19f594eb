"""From a signal and a symbol's rules to an order Binance will accept, in decimals.

* A MARKET buy spends ``amount_usdt`` through ``quoteOrderQty`` when the symbol allows it
  (Binance then rounds the quantity to the lot itself); otherwise it buys
  ``floor(amount / price, stepSize)``.
* A MARKET sell sells ``min(free balance, open position)`` floored to the step: the fee of the
  buy may have been taken in the base asset, so the position can exceed what is free.
* A LIMIT price is rounded to ``tickSize`` in the trader's favour (down for a buy, up for a sell).
* MARKET notionals must clear ``minNotional`` with a margin, because Binance checks them at an
  average or reference price that may sit below the last trade (freqtrade keeps 5%).

Anything that cannot be sized raises :class:`SizingRejected` with a reason a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from binfolio.domain.money import ZERO
from binfolio.domain.trading.filters import SymbolRules, ceil_to, floor_to, precision_step, wire
from binfolio.domain.trading.signal import OrderType, Side, Signal

HUNDRED = Decimal(100)


class SizingRejected(Exception):
    """The signal cannot become a valid order; the message says why."""


@dataclass(frozen=True)
class OrderPlan:
    """A new order, sized and rounded; exactly one of quantity and quote_order_qty is set."""

    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal | None = None
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    # What the order is expected to cost (buy) or raise (sell), in the quote asset.
    notional: Decimal = ZERO


def size_order(
    signal: Signal,
    rules: SymbolRules,
    *,
    last_price: Decimal,
    sellable_qty: Decimal = ZERO,
    notional_margin_pct: Decimal = Decimal(5),
) -> OrderPlan:
    """The order for ``signal``.

    Args:
        signal: what to trade; BUYs spend ``signal.amount_usdt``.
        rules: the symbol's filters.
        last_price: the current price (MARKET sizing and the limit-price band).
        sellable_qty: ``min(free base balance, open position)`` for SELLs.
        notional_margin_pct: head-room over the minimum notional for MARKET orders.

    Raises:
        SizingRejected: when the symbol does not trade or no valid quantity exists.
    """
    if rules.status != "TRADING":
        raise SizingRejected(f"{rules.symbol} is {rules.status}, not TRADING")
    if signal.order_type.value not in rules.order_types:
        raise SizingRejected(f"{rules.symbol} does not take {signal.order_type.value} orders")
    if last_price <= 0:
        raise SizingRejected(f"no current price for {rules.symbol}")
    if signal.order_type is OrderType.LIMIT:
        return _limit(signal, rules, last_price, sellable_qty)
    margin = 1 + notional_margin_pct / HUNDRED
    if signal.side is Side.BUY:
        return _market_buy(signal, rules, last_price, margin)
    return _market_sell(signal, rules, last_price, sellable_qty, margin)


def _check_market_notional(rules: SymbolRules, notional: Decimal, margin: Decimal) -> None:
    if rules.apply_min_to_market and notional < rules.min_notional * margin:
        raise SizingRejected(
            f"{wire(notional)} {rules.quote_asset} is below {rules.symbol}'s minimum notional "
            f"{wire(rules.min_notional)} plus the {wire((margin - 1) * HUNDRED)}% margin"
        )
    if rules.apply_max_to_market and rules.max_notional > 0 and notional > rules.max_notional:
        raise SizingRejected(
            f"{wire(notional)} {rules.quote_asset} is above {rules.symbol}'s maximum notional "
            f"{wire(rules.max_notional)}"
        )


def _check_qty(rules: SymbolRules, qty: Decimal, minimum: Decimal, maximum: Decimal) -> None:
    if qty <= 0 or qty < minimum:
        raise SizingRejected(
            f"{wire(qty)} {rules.base_asset} is below {rules.symbol}'s minimum quantity "
            f"{wire(minimum)}"
        )
    if maximum > 0 and qty > maximum:
        raise SizingRejected(
            f"{wire(qty)} {rules.base_asset} is above {rules.symbol}'s maximum quantity "
            f"{wire(maximum)}"
        )


def _market_buy(
    signal: Signal, rules: SymbolRules, last_price: Decimal, margin: Decimal
) -> OrderPlan:
    step, minimum, maximum = rules.market_lot()
    if rules.quote_order_qty_market_allowed:
        quote = floor_to(signal.amount_usdt, precision_step(rules.quote_precision))
        # Binance floors the bought quantity to the lot: it must still pass LOT_SIZE.
        _check_qty(rules, floor_to(quote / last_price, step), minimum, maximum)
        _check_market_notional(rules, quote, margin)
        return OrderPlan(
            rules.symbol, Side.BUY, OrderType.MARKET, quote_order_qty=quote, notional=quote
        )
    qty = floor_to(signal.amount_usdt / last_price, step)
    _check_qty(rules, qty, minimum, maximum)
    notional = qty * last_price
    _check_market_notional(rules, notional, margin)
    return OrderPlan(rules.symbol, Side.BUY, OrderType.MARKET, quantity=qty, notional=notional)


def _market_sell(
    signal: Signal, rules: SymbolRules, last_price: Decimal, sellable: Decimal, margin: Decimal
) -> OrderPlan:
    if sellable <= 0:
        raise SizingRejected(f"nothing to sell: no open {rules.base_asset} position")
    step, minimum, maximum = rules.market_lot()
    qty = floor_to(sellable, step)
    if maximum > 0:
        qty = min(qty, floor_to(maximum, step))
    _check_qty(rules, qty, minimum, maximum)
    notional = qty * last_price
    try:
        _check_market_notional(rules, notional, margin)
    except SizingRejected as exc:
        raise SizingRejected(f"the position is dust: {exc}") from None
    return OrderPlan(rules.symbol, Side.SELL, OrderType.MARKET, quantity=qty, notional=notional)


def limit_price(signal: Signal, rules: SymbolRules, last_price: Decimal) -> Decimal:
    """The signal's price on the tick grid, checked against PRICE_FILTER and the side's band.

    Raises:
        SizingRejected: when the price is missing or outside what Binance accepts.
    """
    if signal.price is None or signal.price <= 0:
        raise SizingRejected("a LIMIT signal needs a positive price")
    rounding = floor_to if signal.side is Side.BUY else ceil_to
    price = rounding(signal.price, rules.tick_size)
    if price <= 0 or price < rules.min_price or (0 < rules.max_price < price):
        raise SizingRejected(
            f"price {wire(price)} is outside {rules.symbol}'s range "
            f"{wire(rules.min_price)}-{wire(rules.max_price)}"
        )
    if signal.side is Side.BUY:
        down, up = rules.bid_multiplier_down, rules.bid_multiplier_up
    else:
        down, up = rules.ask_multiplier_down, rules.ask_multiplier_up
    if (down > 0 and price < last_price * down) or (up > 0 and price > last_price * up):
        raise SizingRejected(
            f"price {wire(price)} is too far from the current {wire(last_price)} "
            f"(allowed {wire(down)}-{wire(up)} times it)"
        )
    return price


def _limit(signal: Signal, rules: SymbolRules, last_price: Decimal, sellable: Decimal) -> OrderPlan:
    price = limit_price(signal, rules, last_price)
    if signal.side is Side.BUY:
        qty = floor_to(signal.amount_usdt / price, rules.step_size)
    else:
        if sellable <= 0:
            raise SizingRejected(f"nothing to sell: no open {rules.base_asset} position")
        qty = floor_to(sellable, rules.step_size)
    _check_qty(rules, qty, rules.min_qty, rules.max_qty)
    notional = qty * price
    # A limit order's notional is exact (its own price), so no margin is needed.
    if notional < rules.min_notional:
        raise SizingRejected(
            f"{wire(notional)} {rules.quote_asset} is below {rules.symbol}'s minimum notional "
            f"{wire(rules.min_notional)}"
        )
    if rules.max_notional > 0 and notional > rules.max_notional:
        raise SizingRejected(
            f"{wire(notional)} {rules.quote_asset} is above {rules.symbol}'s maximum notional "
            f"{wire(rules.max_notional)}"
        )
    return OrderPlan(
        rules.symbol, signal.side, OrderType.LIMIT, quantity=qty, price=price, notional=notional
    )

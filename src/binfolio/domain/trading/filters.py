"""A symbol's order rules from ``exchangeInfo``, and the decimal rounding they require.

Binance's filters (https://developers.binance.com/docs/binance-spot-api-docs/filters):
``PRICE_FILTER`` (tickSize), ``LOT_SIZE`` and ``MARKET_LOT_SIZE`` (stepSize, minQty, maxQty),
``NOTIONAL`` / legacy ``MIN_NOTIONAL`` (price × quantity bounds, checked for MARKET orders at an
average or reference price, not the last trade) and ``PERCENT_PRICE_BY_SIDE`` (how far a limit
price may stray). A value of 0 disables its check, as Binance documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from binfolio.domain.money import ZERO


@dataclass(frozen=True)
class SymbolRules:
    """What Binance accepts for one symbol (quantities in base units, prices in quote units)."""

    symbol: str
    base_asset: str
    quote_asset: str
    status: str = "TRADING"
    order_types: frozenset[str] = frozenset({"MARKET", "LIMIT"})
    quote_order_qty_market_allowed: bool = True
    quote_precision: int = 8
    tick_size: Decimal = ZERO
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO
    step_size: Decimal = ZERO
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    market_step_size: Decimal = ZERO
    market_min_qty: Decimal = ZERO
    market_max_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    apply_min_to_market: bool = True
    max_notional: Decimal = ZERO
    apply_max_to_market: bool = False
    # PERCENT_PRICE_BY_SIDE multipliers (0 = absent): BUY limits within [down, up] × average.
    bid_multiplier_up: Decimal = ZERO
    bid_multiplier_down: Decimal = ZERO
    ask_multiplier_up: Decimal = ZERO
    ask_multiplier_down: Decimal = ZERO

    def market_lot(self) -> tuple[Decimal, Decimal, Decimal]:
        """(step, min, max) for MARKET quantities: MARKET_LOT_SIZE where set, else LOT_SIZE.

        Live MARKET_LOT_SIZE often has stepSize and minQty 0 ("disabled"), and LOT_SIZE still
        applies to every order, so the stricter of the two wins.
        """
        step = max(self.step_size, self.market_step_size)
        minimum = max(self.min_qty, self.market_min_qty)
        caps = [q for q in (self.max_qty, self.market_max_qty) if q > 0]
        return step, minimum, min(caps) if caps else ZERO


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded down to a multiple of ``step`` (unchanged when ``step`` is 0).

    The result keeps the step's exponent, so ``format(x, "f")`` never shows more decimals than
    Binance allows (-1111 "too much precision").
    """
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step.normalize()


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded up to a multiple of ``step`` (unchanged when ``step`` is 0)."""
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step.normalize()


def precision_step(decimals: int) -> Decimal:
    """``8`` → ``0.00000001``: the smallest unit of an asset with that many decimals."""
    return Decimal(1).scaleb(-decimals)


def wire(value: Decimal) -> str:
    """A decimal as Binance's parameters want it: plain digits, no exponent, no trailing zeros.

    Binance's legal range is ``^([0-9]{1,20})(\\.[0-9]{1,20})?$`` (-1100 otherwise).
    """
    return format(value.normalize(), "f")

"""Binance's number formats: fixed 8-decimal strings on spot, symbol precision on futures."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

_EIGHT = Decimal("0.00000001")


def d8(value: Decimal) -> str:
    """Spot style: ``"0.00100000"`` (8 decimals, rounded down like Binance's display)."""
    return f"{value.quantize(_EIGHT, rounding=ROUND_DOWN):f}"


def dp(value: Decimal, places: int) -> str:
    """A fixed number of decimals, e.g. futures prices at the symbol's ``pricePrecision``."""
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):f}"


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a whole number of steps (a step of 0 leaves the value alone)."""
    if not step:
        return value
    return (value // step) * step

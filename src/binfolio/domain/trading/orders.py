"""What became of an order: Binance's answer in domain terms, and the two kinds of failure.

An order either has a known outcome (:class:`OrderOutcome`, possibly partly filled), was
certainly refused (:class:`OrderRejected`: nothing was placed, never retried), or has an
unknown outcome (:class:`OrderOutcomeUnknown`: a timeout, a 5xx or -1007; Binance says it "could
have been a success", so the order is looked up by its client id before anything is re-sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from binfolio.domain.money import ZERO
from binfolio.errors import BinfolioError


class TradeStatus(StrEnum):
    """A stored trade's life: reserved → sending → an exchange status, or rejected/failed."""

    RESERVED = "reserved"  # risk passed, slot taken, intent written; not sent yet
    SENDING = "sending"  # the order request is on its way
    UNKNOWN = "unknown"  # sent, outcome not known yet: look it up before any re-send
    NEW = "new"  # resting on the book
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    EXPIRED = "expired"  # e.g. a MARKET order that ran out of liquidity (may hold fills)
    CANCELED = "canceled"
    REJECTED = "rejected"  # the exchange refused it: nothing placed
    FAILED = "failed"  # never placed (given up); nothing executed

    @property
    def in_flight(self) -> bool:
        """The outcome is still to be learnt from the exchange."""
        return self in IN_FLIGHT

    @property
    def counts(self) -> bool:
        """Whether the trade takes a daily slot and starts a cooldown."""
        return self not in (TradeStatus.REJECTED, TradeStatus.FAILED)


IN_FLIGHT = frozenset({TradeStatus.RESERVED, TradeStatus.SENDING, TradeStatus.UNKNOWN})
NOT_COUNTED = (TradeStatus.REJECTED.value, TradeStatus.FAILED.value)

_FROM_BINANCE = {
    "NEW": TradeStatus.NEW,
    "PENDING_NEW": TradeStatus.NEW,
    "PARTIALLY_FILLED": TradeStatus.PARTIALLY_FILLED,
    "FILLED": TradeStatus.FILLED,
    "CANCELED": TradeStatus.CANCELED,
    "PENDING_CANCEL": TradeStatus.CANCELED,
    "REJECTED": TradeStatus.REJECTED,
    "EXPIRED": TradeStatus.EXPIRED,
    "EXPIRED_IN_MATCH": TradeStatus.EXPIRED,
}


def status_from_binance(status: str) -> TradeStatus:
    """Binance's order status as a :class:`TradeStatus` (unknown values stay ``unknown``)."""
    return _FROM_BINANCE.get(status, TradeStatus.UNKNOWN)


@dataclass(frozen=True)
class Fill:
    """One execution of an order."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int | None = None


@dataclass(frozen=True)
class OrderOutcome:
    """An order as the exchange knows it."""

    client_order_id: str
    status: TradeStatus
    exchange_order_id: int | None = None
    executed_qty: Decimal = ZERO
    quote_qty: Decimal = ZERO
    fills: tuple[Fill, ...] = field(default_factory=tuple)

    @property
    def avg_price(self) -> Decimal | None:
        """Quote spent per base unit executed; None before any fill."""
        return self.quote_qty / self.executed_qty if self.executed_qty > 0 else None

    def commission_in(self, asset: str) -> Decimal:
        """The fees charged in ``asset`` (a buy's fee in the base asset shrinks the position)."""
        return sum((f.commission for f in self.fills if f.commission_asset == asset), ZERO)


class OrderError(BinfolioError):
    """An order did not produce an outcome."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class OrderRejected(OrderError):
    """Certainly not placed (-1013 filters, -2010 balance, -1100/-1111 format, -1022, …)."""


class OrderOutcomeUnknown(OrderError):
    """Maybe placed (timeout, 5xx, -1007): look it up by client order id before re-sending."""


class ExchangeUnavailable(OrderError):
    """A read the trader needs (price, balance, filters) failed; nothing was sent."""

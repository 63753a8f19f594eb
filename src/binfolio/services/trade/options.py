"""The trader's settings, as plain data (built from ``[trading]``, ``[risk]`` and ``[webhook]``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from binfolio.domain.trading.risk import RiskLimits


@dataclass(frozen=True)
class TraderOptions:
    """How the trader decides and places.

    Attributes:
        mode: paper, testnet, demo or live.
        limits: the risk limits.
        notional_margin_pct: head-room over minimum notionals for MARKET orders.
        dedupe_window: an identical body without id within this window is a duplicate.
        workers: signals decided and placed at the same time in this process.
        lookup_delay_s: wait before looking up an order whose answer was lost (Binance may
            still be processing it).
        lookup_attempts: lookups (and re-sends of orders Binance does not have) before the
            trade is left ``unknown`` for reconciliation.
        stale_after: an in-flight trade or a claimed signal untouched this long belongs to a
            worker that stopped: another worker takes it over.
        resend_within: an order never confirmed is sent again only this soon after its signal;
            later it is given up (``failed``) rather than traded late.
        reconcile_every_s: how often stale trades and orphan signals are looked for.
        decide_within: a signal not decided this long after it arrived (the trader was down,
            or far behind) is rejected rather than traded late.
    """

    mode: str = "paper"
    limits: RiskLimits = field(default_factory=RiskLimits)
    notional_margin_pct: Decimal = Decimal(5)
    dedupe_window: timedelta = timedelta(seconds=60)
    workers: int = 4
    lookup_delay_s: float = 1.0
    lookup_attempts: int = 3
    stale_after: timedelta = timedelta(seconds=60)
    resend_within: timedelta = timedelta(seconds=60)
    reconcile_every_s: float = 5.0
    decide_within: timedelta = timedelta(minutes=5)


def utc_day_start(moment: datetime) -> datetime:
    """00:00 UTC of ``moment``'s day: the daily trade count starts there."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)

"""The risk engine: small rules with one signature, ``(signal, state, now) -> Decision``.

Each rule looks at one thing and says yes or no with a reason; :func:`evaluate` runs them in
order and stops at the first no. The state they see (:class:`TraderState`) is derived from stored
rows inside the same database transaction that reserves the trade, so a limit holds however many
requests or processes race for it, across restarts and at midnight UTC without any timer.

Rules marked ``at_ingest`` need nothing but the signal (and the pause flag): the webhook runs
them before answering, so TradingView's log shows those rejections at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar, Protocol

from binfolio.domain.trading.filters import wire
from binfolio.domain.trading.signal import Side, Signal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Decision:
    """A rule's verdict; ``reason`` says why (and, for a no, what limit was hit)."""

    ok: bool
    reason: str = ""


ACCEPT = Decision(True, "accepted")


@dataclass(frozen=True)
class TraderState:
    """What the stateful rules need, as of the reservation transaction.

    ``free_usdt`` is what the exchange (or the paper book) reported, minus what in-flight buys
    reserved since; ``equity_usdt`` is None when not computed (no percentage limit set).
    """

    paused: bool = False
    trades_today: int = 0
    open_trades: int = 0
    last_trade_at: datetime | None = None
    free_usdt: Decimal | None = None
    equity_usdt: Decimal | None = None


class RiskRule(Protocol):
    """One risk check."""

    at_ingest: ClassVar[bool]

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision: ...


@dataclass(frozen=True)
class KillSwitch:
    """Nothing trades while the trader is paused (``POST /pause``)."""

    at_ingest: ClassVar[bool] = True

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        return Decision(False, "trading is paused") if state.paused else ACCEPT


@dataclass(frozen=True)
class SymbolAllowlist:
    """Only the configured symbols trade (an empty list allows any)."""

    symbols: frozenset[str] = frozenset()
    at_ingest: ClassVar[bool] = True

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if self.symbols and signal.symbol not in self.symbols:
            allowed = ", ".join(sorted(self.symbols))
            return Decision(False, f"{signal.symbol} is not in risk.symbols ({allowed})")
        return ACCEPT


@dataclass(frozen=True)
class MinConfidence:
    """The alert must be at least this confident (0-100)."""

    minimum: Decimal
    at_ingest: ClassVar[bool] = True

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if self.minimum <= 0:
            return ACCEPT
        if signal.confidence is None:
            return Decision(
                False, f"no confidence in the alert; risk.min_confidence is {wire(self.minimum)}"
            )
        if signal.confidence < self.minimum:
            return Decision(
                False,
                f"confidence {wire(signal.confidence)} is below risk.min_confidence "
                f"{wire(self.minimum)}",
            )
        return ACCEPT


@dataclass(frozen=True)
class MaxSignalAge:
    """A signal sent longer ago than this is stale (replays, a queue that held it)."""

    max_age: timedelta
    at_ingest: ClassVar[bool] = True

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if signal.sent_at is not None and now - signal.sent_at > self.max_age:
            age_s = int((now - signal.sent_at).total_seconds())
            return Decision(
                False,
                f"stale signal: sent {age_s} s ago, webhook.max_signal_age_s is "
                f"{int(self.max_age.total_seconds())}",
            )
        return ACCEPT


@dataclass(frozen=True)
class MaxTradeSize:
    """A buy spends at most ``max_usdt`` and at most ``max_pct_equity`` % of the equity."""

    max_usdt: Decimal
    max_pct_equity: Decimal = HUNDRED
    at_ingest: ClassVar[bool] = False

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if signal.side is not Side.BUY:
            return ACCEPT
        amount = signal.amount_usdt
        if amount > self.max_usdt:
            return Decision(
                False, f"{wire(amount)} USDT is over risk.max_trade_usdt {wire(self.max_usdt)}"
            )
        if self.max_pct_equity < HUNDRED:
            if state.equity_usdt is None:
                return Decision(False, "equity unknown: cannot apply risk.max_trade_pct_equity")
            cap = state.equity_usdt * self.max_pct_equity / HUNDRED
            if amount > cap:
                return Decision(
                    False,
                    f"{wire(amount)} USDT is over {wire(self.max_pct_equity)}% of the equity "
                    f"{wire(state.equity_usdt.quantize(Decimal('0.01')))} USDT",
                )
        return ACCEPT


@dataclass(frozen=True)
class MinFreeUsdt:
    """A buy needs ``minimum`` USDT free (after in-flight buys), and enough for itself."""

    minimum: Decimal
    at_ingest: ClassVar[bool] = False

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if signal.side is not Side.BUY or state.free_usdt is None:
            return ACCEPT
        free = state.free_usdt
        if free < self.minimum:
            return Decision(
                False,
                f"free USDT {wire(free)} is below risk.min_balance_usdt {wire(self.minimum)}",
            )
        if free < signal.amount_usdt:
            return Decision(
                False, f"free USDT {wire(free)} cannot pay {wire(signal.amount_usdt)} USDT"
            )
        return ACCEPT


@dataclass(frozen=True)
class MaxOpenTrades:
    """At most ``limit`` buys not yet closed by a sell."""

    limit: int
    at_ingest: ClassVar[bool] = False

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if signal.side is Side.BUY and state.open_trades >= self.limit:
            return Decision(
                False, f"{state.open_trades} open trades: risk.max_open_trades is {self.limit}"
            )
        return ACCEPT


@dataclass(frozen=True)
class MaxTradesPerDay:
    """At most ``limit`` orders per UTC day."""

    limit: int
    at_ingest: ClassVar[bool] = False

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        if state.trades_today >= self.limit:
            return Decision(
                False,
                f"{state.trades_today} trades today (UTC): risk.max_trades_per_day is {self.limit}",
            )
        return ACCEPT


@dataclass(frozen=True)
class Cooldown:
    """At least ``period`` between two trades of one symbol and side."""

    period: timedelta
    at_ingest: ClassVar[bool] = False

    def __call__(self, signal: Signal, state: TraderState, now: datetime) -> Decision:
        last = state.last_trade_at
        if last is not None and now - last < self.period:
            wait_s = int((self.period - (now - last)).total_seconds()) + 1
            return Decision(
                False,
                f"cooldown: {signal.symbol} {signal.side.value} traded at "
                f"{last.isoformat(timespec='seconds')}; next in {wait_s} s",
            )
        return ACCEPT


@dataclass(frozen=True)
class RiskLimits:
    """The configured limits (``[risk]`` and ``webhook.max_signal_age_s``)."""

    min_confidence: Decimal = Decimal(50)
    min_balance_usdt: Decimal = Decimal(10)
    max_trade_usdt: Decimal = Decimal(10)
    max_trade_pct_equity: Decimal = HUNDRED
    max_open_trades: int = 3
    max_trades_per_day: int = 10
    cooldown_minutes: int = 15
    symbols: frozenset[str] = field(default_factory=frozenset)
    max_signal_age_s: int | None = None


def default_rules(limits: RiskLimits) -> tuple[RiskRule, ...]:
    """Every rule, cheapest and most final first."""
    rules: list[RiskRule] = [KillSwitch(), SymbolAllowlist(limits.symbols)]
    if limits.max_signal_age_s is not None:
        rules.append(MaxSignalAge(timedelta(seconds=limits.max_signal_age_s)))
    rules += [
        MinConfidence(limits.min_confidence),
        MaxTradeSize(limits.max_trade_usdt, limits.max_trade_pct_equity),
        MaxTradesPerDay(limits.max_trades_per_day),
        MaxOpenTrades(limits.max_open_trades),
        Cooldown(timedelta(minutes=limits.cooldown_minutes)),
        MinFreeUsdt(limits.min_balance_usdt),
    ]
    return tuple(rules)


def ingest_rules(rules: Iterable[RiskRule]) -> tuple[RiskRule, ...]:
    """The rules that need only the signal and the pause flag."""
    return tuple(rule for rule in rules if rule.at_ingest)


def evaluate(
    rules: Sequence[RiskRule], signal: Signal, state: TraderState, now: datetime
) -> Decision:
    """The first rule that says no, else :data:`ACCEPT`."""
    for rule in rules:
        decision = rule(signal, state, now)
        if not decision.ok:
            return decision
    return ACCEPT

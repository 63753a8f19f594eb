"""Deciding a stored signal: early look, exchange reads, then check-and-reserve in one transaction.

1. Claim the signal (only one worker of any process decides it) and, in the same transaction,
   take an early look: the rules on counters read without the lock. Most rejections (daily
   limit, cooldown, open trades) end there, without a call to the exchange.
3. Read the exchange: the symbol's rules, its price, the free balances (and the equity when a
   percentage limit is set). No lock is held across these network calls.
4. In one locked transaction: count again, run every rule with the balances less what in-flight
   buys reserved, size the order, and write the trade row (the intent) or the rejection.
5. Hand the reserved trade to the :class:`~binfolio.services.trade.placement.Placer`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from binfolio.domain.clock import Clock
from binfolio.domain.money import ZERO
from binfolio.domain.trading.client_id import client_order_id
from binfolio.domain.trading.filters import SymbolRules
from binfolio.domain.trading.orders import ExchangeUnavailable
from binfolio.domain.trading.records import (
    NewTrade,
    SignalStatus,
    StoredSignal,
    StoredTrade,
    TradeCounts,
)
from binfolio.domain.trading.risk import HUNDRED, Decision, RiskRule, TraderState, evaluate
from binfolio.domain.trading.signal import Side, Signal
from binfolio.domain.trading.sizing import SizingRejected, size_order
from binfolio.services.ports import Db
from binfolio.services.trade.audit import CsvAudit, signal_row
from binfolio.services.trade.exchange import Balances, Exchange
from binfolio.services.trade.options import TraderOptions, utc_day_start
from binfolio.services.trade.placement import Placer
from binfolio.services.trade.ports import Notifier, TradeStore

log = logging.getLogger(__name__)


def _state(
    counts: TradeCounts, free_usdt: Decimal | None, equity_usdt: Decimal | None
) -> TraderState:
    return TraderState(
        paused=counts.paused,
        trades_today=counts.trades_today,
        open_trades=counts.open_trades,
        last_trade_at=counts.last_trade_at,
        free_usdt=free_usdt,
        equity_usdt=equity_usdt,
    )


class SignalWorker:
    """Decides signals and places the accepted ones."""

    def __init__(
        self,
        *,
        store: TradeStore,
        db: Db,
        exchange: Exchange,
        placer: Placer,
        audit: CsvAudit,
        notifier: Notifier,
        rules: Sequence[RiskRule],
        options: TraderOptions,
        clock: Clock,
        worker_id: str,
    ) -> None:
        self._store = store
        self._db = db
        self._exchange = exchange
        self._placer = placer
        self._audit = audit
        self._notifier = notifier
        self._rules = tuple(rules)
        self._options = options
        self._clock = clock
        self.worker_id = worker_id

    async def handle(self, signal_id: int) -> None:
        """Decide the signal and, when it passes, place its order."""
        now = self._clock()
        day_start = utc_day_start(now)

        def screen(stored: StoredSignal, counts: TradeCounts) -> Decision:
            waited = now - stored.received_at
            if waited > self._options.decide_within:
                return Decision(
                    False,
                    f"not decided within {int(self._options.decide_within.total_seconds())} s "
                    f"of arrival (waited {int(waited.total_seconds())} s): not traded late",
                )
            return evaluate(self._rules, stored.signal, _state(counts, None, None), now)

        claimed = await self._db.call(
            self._store.claim_signal,
            signal_id,
            self.worker_id,
            now,
            day_start=day_start,
            screen=screen,
        )
        if claimed is None:
            return  # another worker has it, or it is decided already
        stored, early = claimed
        if not early.ok:  # stored as rejected by the claim itself
            await self._reject(stored, early.reason, record=False)
            return
        trade = await self._decide(stored, day_start)
        if trade is not None:
            await self._placer.execute(trade)

    async def _decide(self, stored: StoredSignal, day_start: datetime) -> StoredTrade | None:
        signal = stored.signal
        try:
            rules = await self._exchange.rules.get(signal.symbol)
            price = await self._exchange.last_price(signal.symbol)
            balances = await self._exchange.balances()
            equity = None
            if self._options.limits.max_trade_pct_equity < HUNDRED:
                equity = await self._exchange.equity_usdt(balances)
        except SizingRejected as exc:
            await self._reject(stored, str(exc), record=True)
            return None
        except ExchangeUnavailable as exc:
            await self._reject(stored, f"exchange unavailable: {exc}", record=True, failed=True)
            return None

        def decide(locked: TradeCounts) -> NewTrade | Decision:
            return self._plan(stored, locked, rules, price, balances, equity, self._clock())

        result = await self._db.call(
            self._store.reserve,
            stored,
            now=self._clock(),
            day_start=day_start,
            balances_read_at=balances.read_at,
            decide=decide,
        )
        if isinstance(result, Decision):
            await self._reject(stored, result.reason, record=False)
            return None
        await asyncio.to_thread(
            self._audit.signal, signal_row(signal, stored.received_at, "ACCEPTED", "accepted")
        )
        return result

    def _plan(
        self,
        stored: StoredSignal,
        counts: TradeCounts,
        rules: SymbolRules,
        price: Decimal,
        balances: Balances,
        equity: Decimal | None,
        now: datetime,
    ) -> NewTrade | Decision:
        """Inside the reservation transaction: every rule, then the order's size."""
        signal = stored.signal
        free_usdt = balances.free.get("USDT", ZERO) - counts.pending_usdt
        decision = evaluate(self._rules, signal, _state(counts, free_usdt, equity), now)
        if not decision.ok:
            return decision
        sellable = min(balances.free.get(rules.base_asset, ZERO), counts.position_qty)
        try:
            plan = size_order(
                signal,
                rules,
                last_price=price,
                sellable_qty=sellable,
                notional_margin_pct=self._options.notional_margin_pct,
            )
        except SizingRejected as exc:
            return Decision(False, str(exc))
        reserved = ZERO
        if plan.side is Side.BUY:
            # A MARKET buy by quantity may cost more than at the price we read: keep the margin.
            margin = 1 + self._options.notional_margin_pct / HUNDRED
            exact = plan.quote_order_qty is not None or plan.price is not None
            reserved = plan.notional if exact else plan.notional * margin
        return NewTrade(
            plan=plan,
            client_order_id=client_order_id(self._options.mode, stored.signal_key),
            base_asset=rules.base_asset,
            reserved_usdt=reserved,
        )

    async def _reject(
        self, stored: StoredSignal, reason: str, *, record: bool, failed: bool = False
    ) -> None:
        now = self._clock()
        status = SignalStatus.FAILED if failed else SignalStatus.REJECTED
        if record:
            await self._db.call(self._store.finish_signal, stored.id, status, reason, now)
        await asyncio.to_thread(
            self._audit.signal, signal_row(stored.signal, stored.received_at, "REJECTED", reason)
        )
        notify_rejected(self._notifier, self._options.mode, stored.signal, reason, failed=failed)


def notify_rejected(
    notifier: Notifier, mode: str, signal: Signal, reason: str, *, failed: bool = False
) -> None:
    """Tell the operator a signal did not trade, and why."""
    what = "failed" if failed else "rejected"
    notifier.send(
        f"binfolio {mode}: {signal.side.value} {signal.symbol} {what}",
        reason,
        "failure" if failed else "warning",
    )

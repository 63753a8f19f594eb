"""Sending a reserved trade exactly once, and finding out what became of it.

The trade row (the intent) is written before anything is sent. Then:

* an answer → its outcome is stored (partial fills included);
* a certain refusal (-1013, -2010, -1100, -1111, -1022, …) → ``rejected``, never re-sent;
* an unknown outcome (timeout, 5xx, -1007) → the order is looked up by ``origClientOrderId``;
  only if Binance has no such order is it sent again, with the same client id. If lookups keep
  failing the trade stays ``unknown`` and :meth:`Placer.reconcile` tries later.

Workers that stopped mid-way leave trades ``reserved``/``sending``/``unknown``; reconciliation
takes them over through :meth:`TradeStore.start_send`, which only one worker can win.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from binfolio.domain.clock import Clock
from binfolio.domain.trading.orders import (
    ExchangeUnavailable,
    OrderOutcome,
    OrderOutcomeUnknown,
    OrderRejected,
    TradeStatus,
)
from binfolio.domain.trading.records import SignalStatus, StoredTrade
from binfolio.services.ports import Db
from binfolio.services.trade.audit import CsvAudit, trade_row
from binfolio.services.trade.exchange import Exchange
from binfolio.services.trade.options import TraderOptions
from binfolio.services.trade.ports import Notifier, TradeStore

log = logging.getLogger(__name__)

_EXECUTED = (TradeStatus.FILLED, TradeStatus.PARTIALLY_FILLED, TradeStatus.NEW)


class Placer:
    """Places reserved trades and reconciles the ones left in flight."""

    def __init__(
        self,
        *,
        store: TradeStore,
        db: Db,
        exchange: Exchange,
        audit: CsvAudit,
        notifier: Notifier,
        options: TraderOptions,
        clock: Clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._db = db
        self._exchange = exchange
        self._audit = audit
        self._notifier = notifier
        self._options = options
        self._clock = clock
        self._sleep = sleep

    async def execute(self, trade: StoredTrade) -> None:
        """Send a trade that is ``reserved`` (or resume one in flight) and store its outcome."""
        claimed = await self._claim(trade)
        if claimed is None:
            return  # another worker moved it first
        trade = claimed
        if trade.attempts == 1:
            outcome = await self._send(trade)
        else:
            outcome = await self._resolve(trade, "resumed after a worker stopped")
        if outcome is not None:
            await self._record(trade, outcome)

    async def _send(self, trade: StoredTrade) -> OrderOutcome | None:
        try:
            return await self._exchange.place(trade)
        except OrderRejected as exc:
            await self._fail(trade, TradeStatus.REJECTED, f"exchange refused: {exc}", exc.code)
        except ExchangeUnavailable as exc:  # paper: no price; nothing was sent
            await self._fail(trade, TradeStatus.FAILED, f"not sent: {exc}", exc.code)
        except OrderOutcomeUnknown as exc:
            log.warning("order %s: outcome unknown (%s); looking it up", trade.client_order_id, exc)
            return await self._resolve(trade, str(exc))
        return None

    async def _claim(self, trade: StoredTrade) -> StoredTrade | None:
        """Take the next step on the trade, unless another worker took one since (then None).

        Every re-send is preceded by a claim, so of two workers resolving the same trade (a
        slow one and the reconciler that thought it stopped) only the latest acts.
        """
        if not await self._db.call(self._store.start_send, trade, self._clock()):
            return None
        return replace(trade, status=TradeStatus.SENDING, attempts=trade.attempts + 1)

    async def _resolve(self, trade: StoredTrade, why: str) -> OrderOutcome | None:
        """Look the order up before any re-send; re-send only what Binance does not have."""
        for attempt in range(self._options.lookup_attempts):
            await self._sleep(self._options.lookup_delay_s * (attempt + 1))
            try:
                found = await self._exchange.lookup(trade)
            except (OrderOutcomeUnknown, ExchangeUnavailable) as exc:
                why = str(exc)
                continue
            if found is not None:
                return found
            if self._clock() - trade.created_at > self._options.resend_within:
                await self._fail(
                    trade,
                    TradeStatus.FAILED,
                    f"never placed, and not re-sent: the signal is older than "
                    f"{int(self._options.resend_within.total_seconds())} s ({why})",
                    None,
                )
                return None
            claimed = await self._claim(trade)
            if claimed is None:
                return None  # another worker is resolving it now
            trade = claimed
            log.warning("order %s not at the exchange: sending it again", trade.client_order_id)
            try:
                return await self._exchange.place(trade)
            except OrderRejected as exc:
                await self._fail(trade, TradeStatus.REJECTED, f"exchange refused: {exc}", exc.code)
                return None
            except (OrderOutcomeUnknown, ExchangeUnavailable) as exc:
                why = str(exc)
        await self._db.call(
            self._store.record_failure,
            trade.id,
            TradeStatus.UNKNOWN,
            f"outcome unknown, will be looked up again: {why}",
            None,
            self._clock(),
            attempts=trade.attempts,
        )
        self._notify(trade, "failed", f"outcome unknown, reconciling: {why}")
        return None

    async def _record(self, trade: StoredTrade, outcome: OrderOutcome) -> None:
        now = self._clock()
        stored = await self._db.call(self._store.record_outcome, trade.id, outcome, now)
        executed = outcome.status in _EXECUTED or outcome.executed_qty > 0
        status = SignalStatus.EXECUTED if executed else SignalStatus.FAILED
        reason = f"order {outcome.status.value}"
        await self._db.call(self._store.finish_signal, trade.signal_id, status, reason, now)
        order_id = str(outcome.exchange_order_id or trade.client_order_id)
        await asyncio.to_thread(
            self._audit.trade, trade_row(stored, now, outcome.status.value, order_id)
        )
        self._notify(stored, "executed" if executed else "failed", reason)

    async def _fail(
        self, trade: StoredTrade, status: TradeStatus, error: str, code: int | None
    ) -> None:
        now = self._clock()
        await self._db.call(self._store.record_failure, trade.id, status, error, code, now)
        await self._db.call(
            self._store.finish_signal, trade.signal_id, SignalStatus.FAILED, error, now
        )
        await asyncio.to_thread(
            self._audit.trade, trade_row(trade, now, status.value, trade.client_order_id)
        )
        self._notify(trade, "failed", error)

    def _notify(self, trade: StoredTrade, what: str, detail: str) -> None:
        plan = trade.plan
        kind = {"executed": "success", "failed": "failure"}.get(what, "warning")
        title = f"binfolio {self._options.mode}: {plan.side.value} {plan.symbol} {what}"
        self._notifier.send(title, f"{detail} (client order id {trade.client_order_id})", kind)

    async def reconcile(self) -> int:
        """Take over trades left in flight by a stopped worker; returns how many were tried."""
        now = self._clock()
        stale = await self._db.call(self._store.stale_trades, now - self._options.stale_after)
        for trade in stale:
            if trade.status is TradeStatus.RESERVED and (
                now - trade.created_at > self._options.resend_within
            ):
                # Never sent: trading it now, long after its signal, would surprise the user.
                if await self._db.call(self._store.start_send, trade, now):
                    await self._fail(
                        replace(trade, attempts=trade.attempts + 1),
                        TradeStatus.FAILED,
                        "never sent: the trader stopped before placing it",
                        None,
                    )
                continue
            await self.execute(trade)
        return len(stale)

"""The trader as the web layer sees it: ingest, status, pause/resume, and its background work.

:meth:`Trader.ingest` stores the signal (or finds it a duplicate) and returns at once; accepted
signals go on an in-process queue that :attr:`TraderOptions.workers` tasks drain. A periodic
task reconciles trades and signals that a stopped process left behind, so nothing depends on
the queue surviving a restart: the database is the queue of record.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from binfolio.domain.clock import Clock, to_ms, utc_now
from binfolio.domain.trading.records import IngestOutcome, NewSignal
from binfolio.domain.trading.risk import (
    Decision,
    RiskRule,
    TraderState,
    default_rules,
    evaluate,
    ingest_rules,
)
from binfolio.domain.trading.signal import Signal
from binfolio.services.ports import Db
from binfolio.services.trade.audit import CsvAudit, signal_row
from binfolio.services.trade.exchange import Exchange
from binfolio.services.trade.options import TraderOptions, utc_day_start
from binfolio.services.trade.placement import Placer
from binfolio.services.trade.ports import Notifier, NullNotifier, TradeStore
from binfolio.services.trade.worker import SignalWorker, notify_rejected

log = logging.getLogger(__name__)


def body_digest(body: bytes) -> str:
    """The SHA-256 of a raw webhook body: identical re-deliveries share it."""
    return hashlib.sha256(body).hexdigest()


class Trader:
    """One mode's trader in this process."""

    def __init__(
        self,
        *,
        store: TradeStore,
        db: Db,
        exchange: Exchange,
        audit: CsvAudit,
        options: TraderOptions,
        notifier: Notifier | None = None,
        clock: Clock = utc_now,
        rules: Sequence[RiskRule] | None = None,
    ) -> None:
        self.options = options
        self.store = store
        self.exchange = exchange
        self._db = db
        self._audit = audit
        self._notifier = notifier or NullNotifier()
        self._clock = clock
        self.rules = tuple(rules) if rules is not None else default_rules(options.limits)
        self._ingest_rules = ingest_rules(self.rules)
        self.worker_id = f"{uuid.uuid4().hex[:12]}"
        self.placer = Placer(
            store=store,
            db=db,
            exchange=exchange,
            audit=audit,
            notifier=self._notifier,
            options=options,
            clock=clock,
        )
        self.worker = SignalWorker(
            store=store,
            db=db,
            exchange=exchange,
            placer=self.placer,
            audit=audit,
            notifier=self._notifier,
            rules=self.rules,
            options=options,
            clock=clock,
            worker_id=self.worker_id,
        )
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.probe: dict[str, Any] = {}
        self.heartbeat = time.monotonic()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Create the mode's state, start the workers, take up what a stopped process left,
        and probe the exchange in the background.

        The probe (ping, time, exchangeInfo, account) is reported in ``/status`` and the log;
        it never holds up the server: alerts are stored from the first second, and each one
        that meets an unreachable exchange fails with its reason.
        """
        await self._db.call(self.store.ensure_mode, self._clock())
        await self.exchange.open()
        self.probe = {"status": "running"}
        for number in range(self.options.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"trader-worker-{number}"))
        self._tasks.append(asyncio.create_task(self._reconcile_loop(), name="trader-reconcile"))
        self._later(self._probe())
        # Signals stored but never decided (this process stopped): decide them now.
        orphans = await self._db.call(
            self.store.orphan_signal_ids,
            received_before=self._clock(),
            claimed_before=self._clock() - self.options.stale_after,
        )
        for signal_id in orphans:
            self._queue.put_nowait(signal_id)

    async def _probe(self) -> None:
        try:
            self.probe = await self.exchange.probe()
        except Exception as exc:  # a probe must never stop the server
            log.exception("trader start-up probe failed")
            self.probe = {"error": f"{type(exc).__name__}: {exc}"}
        failed = [
            name
            for name, check in self.probe.items()
            if not (isinstance(check, dict) and check.get("ok", False))
        ]
        if failed:
            log.warning("trader probe of %s: %s failed", self.exchange.endpoint, ", ".join(failed))

    async def stop(self) -> None:
        """Stop the workers; signals still queued are picked up by the next start."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _work(self) -> None:
        while True:
            signal_id = await self._queue.get()
            self.heartbeat = time.monotonic()
            try:
                await self.worker.handle(signal_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad signal must not stop the worker; reconciliation retries
                log.exception("signal %s: unexpected failure while deciding or placing", signal_id)
            finally:
                self._queue.task_done()

    async def _reconcile_loop(self) -> None:
        while True:
            self.heartbeat = time.monotonic()
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("trader reconciliation failed; trying again later")
            await asyncio.sleep(self.options.reconcile_every_s)

    async def reconcile(self) -> None:
        """Resume trades and signals that a stopped worker left behind."""
        await self.placer.reconcile()
        now = self._clock()
        orphans = await self._db.call(
            self.store.orphan_signal_ids,
            received_before=now - self.options.stale_after,
            claimed_before=now - self.options.stale_after,
        )
        for signal_id in orphans:
            await self._db.call(
                self.store.reclaim_stale_signal, signal_id, now - self.options.stale_after
            )
            self._queue.put_nowait(signal_id)

    async def drain(self) -> None:
        """Wait until every queued signal was handled (tests and shutdown)."""
        await self._queue.join()

    # -- the webhook's calls --------------------------------------------------------------------

    async def ingest(self, signal: Signal, body: bytes, payload: dict[str, Any]) -> IngestOutcome:
        """Store a delivery first; queue it when accepted. Answers in one database round trip.

        Raises:
            binfolio.errors.StorageError: when the database cannot store it (the caller
                answers 503, and TradingView re-sends).
        """
        received_at = self._clock()
        digest = body_digest(body)
        key = f"id:{signal.alert_id}" if signal.alert_id else f"body:{digest}:{to_ms(received_at)}"
        new = NewSignal(signal, key, digest, received_at, payload)

        def screen(paused: bool) -> Decision:
            return evaluate(self._ingest_rules, signal, TraderState(paused=paused), received_at)

        outcome = await self._db.call(
            self.store.store_signal,
            new,
            window_start=received_at - self.options.dedupe_window,
            screen=screen,
        )
        if outcome.status == "accepted":
            self._queue.put_nowait(outcome.signal_id)
        elif outcome.status == "rejected":
            self._later(self._audit_rejected(signal, received_at, outcome.reason))
        return outcome

    async def _audit_rejected(self, signal: Signal, at: datetime, reason: str) -> None:
        await asyncio.to_thread(self._audit.signal, signal_row(signal, at, "REJECTED", reason))
        notify_rejected(self._notifier, self.options.mode, signal, reason)

    def _later(self, work: Any) -> None:
        """Run ``work`` after the answer has gone (audit files and notices are off the path)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def status(self) -> dict[str, Any]:
        """``GET /status``: mode, pause, today's count, open trades, limits, recent signals."""
        overview = await self._db.call(self.store.overview, utc_day_start(self._clock()))
        limits = self.options.limits
        return {
            "mode": self.options.mode,
            "endpoint": self.exchange.endpoint,
            "paused": overview.paused,
            "paused_reason": overview.paused_reason,
            "trades_today": overview.trades_today,
            "open_trades": overview.open_trades,
            "limits": {
                "min_confidence": str(limits.min_confidence),
                "min_balance_usdt": str(limits.min_balance_usdt),
                "max_trade_usdt": str(limits.max_trade_usdt),
                "max_trade_pct_equity": str(limits.max_trade_pct_equity),
                "max_open_trades": limits.max_open_trades,
                "max_trades_per_day": limits.max_trades_per_day,
                "cooldown_minutes": limits.cooldown_minutes,
                "symbols": sorted(limits.symbols),
                "max_signal_age_s": limits.max_signal_age_s,
            },
            "probe": self.probe,
            "queued": self._queue.qsize(),
            "worker_idle_s": round(time.monotonic() - self.heartbeat, 1),
            "recent_signals": overview.recent_signals,
        }

    async def pause(self, reason: str | None = None) -> None:
        """The kill switch: no new trade in this mode, in any process, until resumed."""
        await self._db.call(self.store.set_paused, True, reason or "paused", self._clock())
        self._notifier.send(
            f"binfolio {self.options.mode}: trading paused", reason or "POST /pause", "warning"
        )

    async def resume(self) -> None:
        """Lift the kill switch."""
        await self._db.call(self.store.set_paused, False, None, self._clock())
        self._notifier.send(f"binfolio {self.options.mode}: trading resumed", "POST /resume")

    def running(self) -> bool:
        """Whether every background task is alive (``GET /health``)."""
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

"""Every SQL statement of the trader's signals and reservations (orders: ``trade_orders``).

Two writes must be atomic across threads and processes:

* storing a delivery and deciding whether it is a duplicate (same alert id, or the same body
  within the window), and
* checking the risk limits and reserving the trade.

Both run in a transaction that first takes a lock: ``BEGIN IMMEDIATE`` on SQLite (one writer
at a time for the whole file), and on PostgreSQL ``SELECT … FOR UPDATE`` of the mode's
``trader_state`` row (reservations) or a transaction-scoped advisory lock on the dedupe key
(deliveries). Under that lock the counters are counted from the stored rows, so what one
transaction reserved is seen by the next. The statements on the webhook's path (store, claim,
count, finish) are Core statements: at 200 alerts a second the ORM's unit of work would cost
more than the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent
from binfolio.adapters.storage.models import SignalRow, TradeRow, TraderStateRow
from binfolio.adapters.storage.trade_orders import IN_FLIGHT_VALUES, TradeOrders
from binfolio.adapters.storage.trade_rows import (
    SIGNAL_COLUMNS,
    lock_key,
    signal_of,
    trade_of,
    write_lock,
    writing,
)
from binfolio.domain.money import ZERO
from binfolio.domain.trading.orders import NOT_COUNTED, TradeStatus
from binfolio.domain.trading.records import (
    IngestOutcome,
    NewSignal,
    NewTrade,
    SignalStatus,
    StoredSignal,
    StoredTrade,
    TradeCounts,
    TraderOverview,
)
from binfolio.domain.trading.risk import Decision
from binfolio.domain.trading.signal import Side, Signal


class TradeRepository(TradeOrders):
    """The trader's storage for one mode (paper, testnet, demo or live)."""

    def __init__(self, factory: sessionmaker[Session], mode: str) -> None:
        super().__init__(factory, mode)
        self._sqlite = factory.kw["bind"].dialect.name == "sqlite"

    @contextmanager
    def _exclusive(self, advisory_key: str | None = None) -> Iterator[Session]:
        """A transaction holding the trader's lock (see the module docstring)."""
        with write_lock(self._factory), self._factory() as session:
            try:
                if self._sqlite:
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                elif advisory_key is not None:
                    session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": lock_key(f"{self.mode}:{advisory_key}")},
                    )
                else:
                    session.execute(
                        select(TraderStateRow.mode)
                        .where(TraderStateRow.mode == self.mode)
                        .with_for_update()
                    )
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ensure_mode(self, now: datetime) -> None:
        """Create the mode's state row (the row reservations lock) if it is missing."""
        with writing(self._factory) as session:
            insert_if_absent(
                session,
                TraderStateRow,
                [{"mode": self.mode, "paused": False, "paused_reason": None, "updated_at": now}],
                ["mode"],
            )

    # -- deliveries -----------------------------------------------------------------------------

    def store_signal(
        self, new: NewSignal, *, window_start: datetime, screen: Callable[[bool], Decision]
    ) -> IngestOutcome:
        """Store a delivery unless it is a duplicate; ``screen(paused)`` may reject it at once.

        A duplicate is a signal with the same alert id (any time), or, for alerts without an id,
        the same body received at or after ``window_start``; it only bumps ``deliveries``.
        """
        alert_id = new.signal.alert_id
        dedupe_key = f"id:{alert_id}" if alert_id is not None else f"body:{new.body_sha256}"
        match: ColumnElement[bool]
        if alert_id is not None:
            match = SignalRow.signal_key == new.signal_key
        else:
            match = (
                (SignalRow.body_sha256 == new.body_sha256)
                & (SignalRow.received_at >= window_start)
                & SignalRow.alert_id.is_(None)
            )
        with self._exclusive(advisory_key=dedupe_key) as session:
            existing = session.execute(
                select(SignalRow.id, SignalRow.received_at)
                .where(SignalRow.mode == self.mode, match)
                .limit(1)
            ).first()
            if existing is not None:
                session.execute(
                    update(SignalRow)
                    .where(SignalRow.id == existing.id)
                    .values(deliveries=SignalRow.deliveries + 1)
                )
                when = existing.received_at.isoformat(timespec="seconds")
                reason = f"already received at {when} (signal {existing.id})"
                return IngestOutcome("duplicate", existing.id, reason)
            paused = session.scalar(
                select(TraderStateRow.paused).where(TraderStateRow.mode == self.mode)
            )
            decision = screen(bool(paused))
            signal_id = session.execute(
                insert(SignalRow).values(self._signal_values(new, decision)).returning(SignalRow.id)
            ).scalar_one()
        if decision.ok:
            return IngestOutcome("accepted", signal_id)
        return IngestOutcome("rejected", signal_id, decision.reason)

    def _signal_values(self, new: NewSignal, decision: Decision) -> dict[str, object]:
        signal = new.signal
        return {
            "mode": self.mode,
            "signal_key": new.signal_key,
            "body_sha256": new.body_sha256,
            "received_at": new.received_at,
            "sent_at": signal.sent_at,
            "symbol": signal.symbol,
            "side": signal.side.value,
            "order_type": signal.order_type.value,
            "strategy": signal.strategy,
            "timeframe": signal.timeframe,
            "confidence": signal.confidence,
            "amount_usdt": signal.amount_usdt,
            "price": signal.price,
            "alert_id": signal.alert_id,
            "status": SignalStatus.RECEIVED if decision.ok else SignalStatus.REJECTED,
            "reason": None if decision.ok else decision.reason,
            "deliveries": 1,
            "decided_at": None if decision.ok else new.received_at,
            "payload": new.payload,
        }

    def claim_signal(
        self,
        signal_id: int,
        worker: str,
        now: datetime,
        *,
        day_start: datetime,
        screen: Callable[[StoredSignal, TradeCounts], Decision],
    ) -> tuple[StoredSignal, Decision] | None:
        """Take a received signal and give it a first look, in one transaction.

        ``screen`` sees the counters (without the reservation lock): a signal it rejects is
        finished here, so the bulk of an alert storm costs one statement batch each. None when
        another worker has the signal or it is decided already; a signal ``processing`` under
        another claim is taken only through :meth:`reclaim_stale_signal`.
        """
        with writing(self._factory) as session:
            row = session.execute(
                update(SignalRow)
                .where(
                    SignalRow.id == signal_id,
                    SignalRow.mode == self.mode,
                    SignalRow.status == SignalStatus.RECEIVED,
                )
                .values(status=SignalStatus.PROCESSING, claimed_by=worker, claimed_at=now)
                .returning(*SIGNAL_COLUMNS)
            ).first()
            if row is None:
                return None
            stored = StoredSignal(row.id, row.signal_key, signal_of(row), row.received_at)
            decision = screen(stored, self._counters(session, stored.signal, day_start))
            if not decision.ok:
                session.execute(
                    update(SignalRow)
                    .where(SignalRow.id == signal_id)
                    .values(status=SignalStatus.REJECTED, reason=decision.reason, decided_at=now)
                )
            return stored, decision

    def orphan_signal_ids(
        self, *, received_before: datetime, claimed_before: datetime, limit: int = 100
    ) -> list[int]:
        """Signals nobody is deciding: received but never claimed, or claimed by a worker that
        stopped (claim older than ``claimed_before``) without reserving a trade."""
        with self._factory() as session:
            has_trade = select(TradeRow.id).where(TradeRow.signal_id == SignalRow.id).exists()
            rows = session.scalars(
                select(SignalRow.id)
                .where(
                    SignalRow.mode == self.mode,
                    or_(
                        (SignalRow.status == SignalStatus.RECEIVED)
                        & (SignalRow.received_at < received_before),
                        (SignalRow.status == SignalStatus.PROCESSING)
                        & (SignalRow.claimed_at < claimed_before)
                        & ~has_trade,
                    ),
                )
                .order_by(SignalRow.id)
                .limit(limit)
            )
            return list(rows)

    def reclaim_stale_signal(self, signal_id: int, claimed_before: datetime) -> None:
        """Put a signal whose worker stopped mid-decision back to ``received``."""
        with writing(self._factory) as session:
            session.execute(
                update(SignalRow)
                .where(
                    SignalRow.id == signal_id,
                    SignalRow.status == SignalStatus.PROCESSING,
                    SignalRow.claimed_at < claimed_before,
                )
                .values(status=SignalStatus.RECEIVED, claimed_by=None, claimed_at=None)
            )

    def finish_signal(self, signal_id: int, status: str, reason: str, now: datetime) -> None:
        """Record a signal's final status and why."""
        with writing(self._factory) as session:
            session.execute(
                update(SignalRow)
                .where(SignalRow.id == signal_id)
                .values(status=status, reason=reason, decided_at=now)
            )

    # -- reservations ---------------------------------------------------------------------------

    def _counters(self, session: Session, signal: Signal, day_start: datetime) -> TradeCounts:
        """Pause, today's count, open trades and the last trade of the symbol and side, in one
        statement."""
        mode, counted = TradeRow.mode == self.mode, TradeRow.status.not_in(NOT_COUNTED)
        open_buy = (TradeRow.side == Side.BUY.value) & TradeRow.closed_at.is_(None)
        same = (TradeRow.symbol == signal.symbol) & (TradeRow.side == signal.side.value)
        row = session.execute(
            select(
                select(TraderStateRow.paused)
                .where(TraderStateRow.mode == self.mode)
                .scalar_subquery()
                .label("paused"),
                select(func.count())
                .where(mode, counted, TradeRow.created_at >= day_start)
                .scalar_subquery()
                .label("today"),
                select(func.count()).where(mode, counted, open_buy).scalar_subquery().label("open"),
                select(func.max(TradeRow.created_at))
                .where(mode, counted, same)
                .scalar_subquery()
                .label("last"),
            )
        ).one()
        return TradeCounts(bool(row.paused), int(row.today), int(row.open), row.last)

    def counts(
        self,
        signal: Signal,
        day_start: datetime,
        balances_read_at: datetime | None = None,
        *,
        holdings: bool = False,
    ) -> TradeCounts:
        """The counters now, without the lock: a cheap early look (the reservation re-counts).

        ``holdings`` adds the symbol's position and the USDT in-flight buys hold.
        """
        with self._factory() as session:
            counts = self._counters(session, signal, day_start)
            if holdings:
                counts = self._holdings(session, signal, counts, balances_read_at)
            return counts

    def _holdings(
        self, session: Session, signal: Signal, counts: TradeCounts, read_at: datetime | None
    ) -> TradeCounts:
        """``counts`` with the symbol's open position and the USDT in-flight buys hold."""
        mode, counted = TradeRow.mode == self.mode, TradeRow.status.not_in(NOT_COUNTED)
        open_buy = (TradeRow.side == Side.BUY.value) & TradeRow.closed_at.is_(None) & counted
        held = session.execute(
            select(TradeRow.executed_qty, TradeRow.commission_base).where(
                mode, open_buy, TradeRow.symbol == signal.symbol
            )
        )
        position = sum((qty - fee for qty, fee in held), ZERO)
        pending: ColumnElement[bool] = TradeRow.status.in_(IN_FLIGHT_VALUES)
        if read_at is not None:  # finished after the balances were read: not in them yet
            pending = pending | (counted & (TradeRow.updated_at > read_at))
        reserved = session.scalars(
            select(TradeRow.reserved_usdt).where(mode, TradeRow.side == Side.BUY.value, pending)
        )
        return TradeCounts(
            counts.paused,
            counts.trades_today,
            counts.open_trades,
            counts.last_trade_at,
            position_qty=position,
            pending_usdt=sum(reserved, ZERO),
        )

    def reserve(
        self,
        stored: StoredSignal,
        *,
        now: datetime,
        day_start: datetime,
        balances_read_at: datetime | None,
        decide: Callable[[TradeCounts], NewTrade | Decision],
    ) -> StoredTrade | Decision:
        """Count, decide and reserve in one locked transaction.

        ``decide`` gets the counters and returns the trade to reserve, or the rejection, which
        is then recorded on the signal.
        """
        with self._exclusive() as session:
            counts = self._counters(session, stored.signal, day_start)
            counts = self._holdings(session, stored.signal, counts, balances_read_at)
            outcome = decide(counts)
            if isinstance(outcome, Decision):
                session.execute(
                    update(SignalRow)
                    .where(SignalRow.id == stored.id)
                    .values(status=SignalStatus.REJECTED, reason=outcome.reason, decided_at=now)
                )
                return outcome
            plan = outcome.plan
            row = TradeRow(
                mode=self.mode,
                signal_id=stored.id,
                client_order_id=outcome.client_order_id,
                symbol=plan.symbol,
                base_asset=outcome.base_asset,
                side=plan.side.value,
                order_type=plan.order_type.value,
                quantity=plan.quantity,
                quote_order_qty=plan.quote_order_qty,
                price=plan.price,
                reserved_usdt=outcome.reserved_usdt,
                status=TradeStatus.RESERVED.value,
                executed_qty=ZERO,
                quote_qty=ZERO,
                commission_base=ZERO,
                fills=[],
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.execute(
                update(SignalRow)
                .where(SignalRow.id == stored.id)
                .values(reason="accepted", decided_at=now)
            )
            session.flush()
            return trade_of(row)

    # -- kill switch and status -----------------------------------------------------------------

    def set_paused(self, paused: bool, reason: str | None, now: datetime) -> None:
        """Pause or resume trading in this mode, for every process."""
        self.ensure_mode(now)
        with writing(self._factory) as session:
            session.execute(
                update(TraderStateRow)
                .where(TraderStateRow.mode == self.mode)
                .values(paused=paused, paused_reason=reason if paused else None, updated_at=now)
            )

    def overview(self, day_start: datetime, recent: int = 20) -> TraderOverview:
        """Pause state, today's count, open trades and the latest signals."""
        with self._factory() as session:
            state = session.get(TraderStateRow, self.mode)
            mode, counted = TradeRow.mode == self.mode, TradeRow.status.not_in(NOT_COUNTED)
            trades_today = session.scalar(
                select(func.count()).where(mode, counted, TradeRow.created_at >= day_start)
            )
            open_trades = session.scalar(
                select(func.count()).where(
                    mode, counted, TradeRow.side == Side.BUY.value, TradeRow.closed_at.is_(None)
                )
            )
            rows = session.execute(
                select(SignalRow, TradeRow.status, TradeRow.client_order_id)
                .outerjoin(TradeRow, TradeRow.signal_id == SignalRow.id)
                .where(SignalRow.mode == self.mode)
                .order_by(SignalRow.id.desc())
                .limit(recent)
            )
            signals = [
                {
                    "signal_id": str(sig.id),
                    "received_at": sig.received_at.isoformat().replace("+00:00", "Z"),
                    "symbol": sig.symbol,
                    "side": sig.side,
                    "strategy": sig.strategy,
                    "status": sig.status,
                    "reason": sig.reason,
                    "deliveries": sig.deliveries,
                    "order_status": order_status,
                    "client_order_id": client_id,
                }
                for sig, order_status, client_id in rows
            ]
            return TraderOverview(
                paused=bool(state and state.paused),
                paused_reason=state.paused_reason if state else None,
                trades_today=int(trades_today or 0),
                open_trades=int(open_trades or 0),
                recent_signals=signals,
            )

"""The trade rows' side of the trader's storage: sending, outcomes, failures, reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.models import TradeRow
from binfolio.adapters.storage.trade_rows import apply_outcome, outcome_of, trade_of, writing
from binfolio.domain.trading.orders import IN_FLIGHT, OrderOutcome, TradeStatus
from binfolio.domain.trading.records import StoredTrade
from binfolio.domain.trading.signal import Side

IN_FLIGHT_VALUES = tuple(s.value for s in IN_FLIGHT)
_NOTHING_EXECUTED = (TradeStatus.REJECTED, TradeStatus.FAILED)


class TradeOrders:
    """Trade rows of one mode after their reservation."""

    def __init__(self, factory: sessionmaker[Session], mode: str) -> None:
        self._factory = factory
        self.mode = mode

    def start_send(self, trade: StoredTrade, now: datetime) -> bool:
        """Mark the trade ``sending`` if it is still as ``trade`` saw it; False when another
        worker moved it first (so at most one of them sends)."""
        with writing(self._factory) as session:
            result = session.execute(
                update(TradeRow)
                .where(
                    TradeRow.id == trade.id,
                    TradeRow.status == trade.status.value,
                    TradeRow.attempts == trade.attempts,
                )
                .values(
                    status=TradeStatus.SENDING.value, attempts=trade.attempts + 1, updated_at=now
                )
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def record_outcome(self, trade_id: int, outcome: OrderOutcome, now: datetime) -> StoredTrade:
        """Store what the exchange says of the order; a sell that executed closes the symbol's
        open buys, and a trade that ended with nothing executed closes itself."""
        with writing(self._factory) as session:
            row = session.get_one(TradeRow, trade_id)
            apply_outcome(row, outcome, now)
            if row.side == Side.SELL.value and outcome.executed_qty > 0:
                session.execute(
                    update(TradeRow)
                    .where(
                        TradeRow.mode == self.mode,
                        TradeRow.symbol == row.symbol,
                        TradeRow.side == Side.BUY.value,
                        TradeRow.closed_at.is_(None),
                    )
                    .values(closed_at=now)
                )
            session.flush()
            return trade_of(row)

    def record_failure(
        self,
        trade_id: int,
        status: TradeStatus,
        error: str,
        code: int | None,
        now: datetime,
        *,
        attempts: int | None = None,
    ) -> None:
        """Store a rejection (nothing placed), a give-up, or an outcome still unknown.

        With ``attempts``, only if no other worker has taken a step on the trade since.
        """
        values: dict[str, Any] = {
            "status": status.value,
            "error": error,
            "error_code": code,
            "updated_at": now,
        }
        if status in _NOTHING_EXECUTED:
            values["closed_at"] = now
        statement = update(TradeRow).where(TradeRow.id == trade_id)
        if attempts is not None:
            statement = statement.where(TradeRow.attempts == attempts)
        with writing(self._factory) as session:
            session.execute(statement.values(**values))

    def stale_trades(self, updated_before: datetime, limit: int = 50) -> list[StoredTrade]:
        """In-flight trades nobody touched since ``updated_before`` (a worker stopped)."""
        with self._factory() as session:
            rows = session.scalars(
                select(TradeRow)
                .where(
                    TradeRow.mode == self.mode,
                    TradeRow.status.in_(IN_FLIGHT_VALUES),
                    TradeRow.updated_at < updated_before,
                )
                .order_by(TradeRow.id)
                .limit(limit)
            )
            return [trade_of(row) for row in rows]

    def stored_outcome(self, client_order_id: str) -> OrderOutcome | None:
        """The outcome recorded for a client order id, if one was (the paper "exchange")."""
        with self._factory() as session:
            row = session.scalar(
                select(TradeRow).where(
                    TradeRow.mode == self.mode, TradeRow.client_order_id == client_order_id
                )
            )
            if row is None or row.exchange_order_id is None:
                return None
            return outcome_of(row)

"""The paper account's SQL: balances per asset, and fills applied atomically with their trade.

A paper fill debits, credits and records the trade's outcome in one transaction under the same
lock as reservations (``BEGIN IMMEDIATE`` on SQLite; row locks on PostgreSQL), so a balance can
never go negative and a fill is never applied twice: a second call for a trade that already has
its outcome returns that outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent
from binfolio.adapters.storage.models import PaperBalanceRow, TradeRow
from binfolio.adapters.storage.trade_rows import apply_outcome, outcome_of, write_lock, writing
from binfolio.domain.money import ZERO
from binfolio.domain.trading.orders import OrderOutcome, OrderRejected


class PaperBook:
    """Free balances of the paper account, in the database."""

    def __init__(self, factory: sessionmaker[Session], start_usdt: Decimal) -> None:
        self._factory = factory
        self._start_usdt = start_usdt
        self._sqlite = factory.kw["bind"].dialect.name == "sqlite"

    def open(self, now: datetime) -> None:
        """Give a new paper account its starting USDT (an existing account keeps its own)."""
        with writing(self._factory) as session:
            if session.scalar(select(PaperBalanceRow.asset).limit(1)) is None:
                insert_if_absent(
                    session,
                    PaperBalanceRow,
                    [{"asset": "USDT", "free": self._start_usdt, "updated_at": now}],
                    ["asset"],
                )

    def balances(self) -> dict[str, Decimal]:
        """Free balance per asset."""
        with self._factory() as session:
            rows = session.execute(select(PaperBalanceRow.asset, PaperBalanceRow.free))
            return {asset: free for asset, free in rows}  # noqa: C416  (Row → pair)

    @contextmanager
    def _locked(self) -> Iterator[Session]:
        with write_lock(self._factory), self._factory() as session:
            try:
                if self._sqlite:
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def fill(
        self,
        client_order_id: str,
        *,
        pay: tuple[str, Decimal],
        receive: tuple[str, Decimal],
        outcome: OrderOutcome,
        now: datetime,
    ) -> OrderOutcome:
        """Exchange ``pay`` for ``receive`` and store ``outcome`` on the trade, atomically.

        Raises:
            OrderRejected: -2010 when the paper balance cannot pay (nothing changes).
        """
        with self._locked() as session:
            trade = session.scalars(
                select(TradeRow)
                .where(TradeRow.mode == "paper", TradeRow.client_order_id == client_order_id)
                .with_for_update()
            ).one()
            if trade.exchange_order_id is not None:  # filled already: never twice
                return outcome_of(trade)
            insert_if_absent(
                session,
                PaperBalanceRow,
                [{"asset": a, "free": ZERO, "updated_at": now} for a in (pay[0], receive[0])],
                ["asset"],
            )
            rows = {
                row.asset: row
                for row in session.scalars(
                    select(PaperBalanceRow)
                    .where(PaperBalanceRow.asset.in_([pay[0], receive[0]]))
                    .with_for_update()
                )
            }
            payer = rows[pay[0]]
            if payer.free < pay[1]:
                raise OrderRejected(
                    "Account has insufficient balance for requested action.", code=-2010
                )
            payer.free -= pay[1]
            payer.updated_at = now
            rows[receive[0]].free += receive[1]
            rows[receive[0]].updated_at = now
            apply_outcome(trade, replace(outcome, exchange_order_id=trade.id), now)
            return outcome_of(trade)

"""What the trader needs from outside: its store, an exchange, a notifier and the audit files.

Store methods are synchronous (blocking database work): the services call them through
:class:`binfolio.services.ports.Db`, in worker threads. ``adapters/storage/trade_repo.py`` and
``adapters/storage/paper_book.py`` implement the stores, ``adapters/binance/orders.py`` the
exchange API, ``adapters/notify.py`` the notifier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from binfolio.domain.trading.filters import SymbolRules
from binfolio.domain.trading.orders import OrderOutcome, TradeStatus
from binfolio.domain.trading.records import (
    IngestOutcome,
    NewSignal,
    NewTrade,
    StoredSignal,
    StoredTrade,
    TradeCounts,
    TraderOverview,
)
from binfolio.domain.trading.risk import Decision
from binfolio.domain.trading.signal import Signal
from binfolio.domain.trading.sizing import OrderPlan


class TradeStore(Protocol):
    """Signals, reservations and order outcomes of one mode (``TradeRepository``)."""

    mode: str

    def ensure_mode(self, now: datetime) -> None: ...

    def store_signal(
        self, new: NewSignal, *, window_start: datetime, screen: Callable[[bool], Decision]
    ) -> IngestOutcome: ...

    def claim_signal(
        self,
        signal_id: int,
        worker: str,
        now: datetime,
        *,
        day_start: datetime,
        screen: Callable[[StoredSignal, TradeCounts], Decision],
    ) -> tuple[StoredSignal, Decision] | None: ...

    def orphan_signal_ids(
        self, *, received_before: datetime, claimed_before: datetime, limit: int = ...
    ) -> list[int]: ...

    def reclaim_stale_signal(self, signal_id: int, claimed_before: datetime) -> None: ...

    def finish_signal(self, signal_id: int, status: str, reason: str, now: datetime) -> None: ...

    def counts(
        self,
        signal: Signal,
        day_start: datetime,
        balances_read_at: datetime | None = ...,
        *,
        holdings: bool = ...,
    ) -> TradeCounts: ...

    def reserve(
        self,
        stored: StoredSignal,
        *,
        now: datetime,
        day_start: datetime,
        balances_read_at: datetime | None,
        decide: Callable[[TradeCounts], NewTrade | Decision],
    ) -> StoredTrade | Decision: ...

    def start_send(self, trade: StoredTrade, now: datetime) -> bool: ...

    def record_outcome(
        self, trade_id: int, outcome: OrderOutcome, now: datetime
    ) -> StoredTrade: ...

    def record_failure(
        self,
        trade_id: int,
        status: TradeStatus,
        error: str,
        code: int | None,
        now: datetime,
        *,
        attempts: int | None = ...,
    ) -> None: ...

    def stale_trades(self, updated_before: datetime, limit: int = ...) -> list[StoredTrade]: ...

    def stored_outcome(self, client_order_id: str) -> OrderOutcome | None: ...

    def set_paused(self, paused: bool, reason: str | None, now: datetime) -> None: ...

    def overview(self, day_start: datetime, recent: int = ...) -> TraderOverview: ...


class PaperLedger(Protocol):
    """The paper account's balances (``PaperBook``)."""

    def open(self, now: datetime) -> None: ...

    def balances(self) -> dict[str, Decimal]: ...

    def fill(
        self,
        client_order_id: str,
        *,
        pay: tuple[str, Decimal],
        receive: tuple[str, Decimal],
        outcome: OrderOutcome,
        now: datetime,
    ) -> OrderOutcome: ...


class PublicSpotApi(Protocol):
    """Binance's public spot calls (``PublicSpotClient``); failures raise ExchangeUnavailable."""

    async def ping(self) -> None: ...

    async def server_time_ms(self) -> int: ...

    async def symbol_rules(self) -> dict[str, SymbolRules]: ...

    async def last_price(self, symbol: str) -> Decimal: ...

    async def all_prices(self) -> dict[str, Decimal]: ...


class SpotTradingApi(PublicSpotApi, Protocol):
    """One account's signed spot calls (``SpotTradingClient``)."""

    async def free_balances(self) -> dict[str, Decimal]: ...

    async def new_order(self, plan: OrderPlan, client_order_id: str) -> OrderOutcome: ...

    async def query_order(self, symbol: str, client_order_id: str) -> OrderOutcome | None: ...


class Notifier(Protocol):
    """Sends a notice without blocking or raising (``binfolio.adapters.notify.Notifier``)."""

    def send(self, title: str, body: str, kind: str = ...) -> bool: ...


class NullNotifier:
    """No receivers configured: notices go nowhere."""

    def send(self, title: str, body: str, kind: str = "info") -> bool:
        """Drop the notice."""
        return False

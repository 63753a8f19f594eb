"""What the use-cases need from the outside world, named as interfaces (ports).

Services depend on these Protocols and on the plain data below, never on SQLAlchemy or httpx;
``adapters/storage`` implements the stores (every SQL statement lives there), ``adapters/binance``
the exchange readers, and ``bootstrap`` wires one of each (see ``docs/architecture.md``).

Store methods are synchronous: they do blocking database work. Async code calls them through
:class:`Db` (``await storage.db.call(storage.ledger.window_start, ...)``), which runs them in
worker threads, so that no database call ever blocks an event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ParamSpec, Protocol, TypeVar

from pydantic import SecretStr

from binfolio.domain.benchmark import AppliedEvent, BasketSpec, BenchmarkFlow, BenchmarkState
from binfolio.domain.flows import CashFlow
from binfolio.domain.snapshot import Holding, Snapshot, Wallet
from binfolio.domain.types import Asset
from binfolio.domain.valuation import AssetPrice

P = ParamSpec("P")
T = TypeVar("T")

KlineKey = tuple[str, int]
"""(symbol, open time of the 1-minute kline in ms)."""
FlowKey = tuple[str, str]
"""(flow kind, Binance's id of the flow)."""


class Db(Protocol):
    """Runs a blocking store call off the event loop (``adapters.storage.runner.DbRunner``)."""

    async def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``function(*args, **kwargs)`` in a worker thread."""
        ...


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database stands (``adapters.storage.schema``); ``error`` when unreachable."""

    url: str
    """The URL with its password hidden."""
    head: str
    current: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Reachable and at the newest migration."""
        return self.error is None and self.current == self.head


# --- the cash-flow ledger -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowPrice:
    """The value of a flow's gross units, the coin's price and where it came from.

    ``source`` is a ``PriceSource`` value, or ``pending`` while a needed kline is still open.
    """

    value_usdt: Decimal | None
    price_usdt: Decimal | None
    source: str


@dataclass
class LedgerUpdate:
    """One account's ledger changes, written inside its snapshot transaction.

    ``new_flows`` are inserted if absent; ``revalue`` prices flows stored pending or unpriced;
    ``closes`` are kline closes fetched from Binance for the cache; the ledger then counts as
    read up to ``synced_until``.
    """

    synced_until: datetime
    recorded_at: datetime
    new_flows: list[tuple[CashFlow, FlowPrice]] = field(default_factory=list)
    revalue: dict[FlowKey, FlowPrice] = field(default_factory=dict)
    closes: dict[KlineKey, Decimal] = field(default_factory=dict)


class LedgerStore(Protocol):
    """The ``cash_flows`` ledger and how far each account's history was read."""

    def account_id(self, name: str) -> int | None:
        """The id of the account called ``name``, if it exists."""
        ...

    def window_start(self, account_id: int | None, end: datetime, overlap: timedelta) -> datetime:
        """Where the next history read starts (overlapping the last one by ``overlap``)."""
        ...

    def flow_sources(self, account_id: int, binance_ids: Collection[str]) -> dict[FlowKey, str]:
        """The ``price_source`` of each of these flows already stored."""
        ...


class KlineCache(Protocol):
    """Final 1-minute kline closes kept in the database."""

    def closes(self, keys: Collection[KlineKey]) -> dict[KlineKey, Decimal]:
        """The cached closes among ``keys``."""
        ...


# --- the benchmark --------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkStart:
    """The first complete snapshot: where the benchmark starts."""

    snapshot_id: int
    time: datetime
    nav_usdt: Decimal
    run_id: str


@dataclass(frozen=True)
class StoredBenchmark:
    """The cached benchmark state and what it was computed from."""

    state: BenchmarkState
    fingerprint: str
    start_snapshot_id: int
    event_count: int


@dataclass(frozen=True)
class BenchmarkInputs:
    """Everything an update reads, in one go."""

    start: BenchmarkStart
    stored: StoredBenchmark | None
    start_prices: dict[Asset, Decimal]
    applied_flow_ids: set[int]
    flows: list[BenchmarkFlow]
    pending_at: datetime | None


@dataclass(frozen=True)
class BenchmarkWrite:
    """An update's outcome: a restart (``start_event`` set) or events appended."""

    account_id: int
    spec: BasketSpec
    start: BenchmarkStart
    start_event: AppliedEvent | None
    applied: list[AppliedEvent]
    state: BenchmarkState
    now: datetime
    # The event count the update started from; a different one means another process won.
    base_count: int | None

    @property
    def changed(self) -> bool:
        """False when the update found nothing to apply: only its time moves on."""
        return self.start_event is not None or bool(self.applied)


class BenchmarkStore(Protocol):
    """Benchmark state, its audit events, and the stored data it derives from."""

    def load_many(self, specs: dict[int, BasketSpec]) -> dict[int, BenchmarkInputs]:
        """The inputs of each account's update; absent before its first complete snapshot."""
        ...

    def save_many(self, writes: list[BenchmarkWrite], closes: dict[KlineKey, Decimal]) -> list[int]:
        """Store the outcomes in one transaction, and the kline closes fetched for them.

        An account that another process updated meanwhile is left alone (its result is as good
        as ours); returns the ids of those.
        """
        ...


# --- snapshot runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountLine:
    """An account's line in the run record."""

    status: str
    requests: int
    weight: int
    errors: tuple[str, ...]
    duration_ms: int


class RunWriter(Protocol):
    """Writes one snapshot run: the run record and one transaction per account."""

    def start_run(
        self, started_at: datetime, *, stale_after: timedelta, account_names: Iterable[str] = ()
    ) -> None:
        """Open the run record; create the accounts first seen."""
        ...

    def write_account(
        self,
        name: str,
        taken_at: datetime,
        snapshot: Snapshot,
        line: AccountLine,
        prices: Iterable[AssetPrice],
        ledger: LedgerUpdate | None = None,
    ) -> int:
        """One account's snapshot, assets, prices, run line and ledger update, atomically."""
        ...

    def finish_run(
        self,
        finished_at: datetime,
        *,
        status: str,
        requests: int,
        weight: int,
        errors: Iterable[str],
        detail: Mapping[str, AccountLine],
    ) -> None:
        """Close the run record."""
        ...


class Storage(Protocol):
    """The stores a snapshot run and its follow-ups use, and the runner for their calls."""

    @property
    def db(self) -> Db:
        """Runs store calls off the event loop."""
        ...

    @property
    def ledger(self) -> LedgerStore:
        """The cash-flow ledger."""
        ...

    @property
    def klines(self) -> KlineCache:
        """The kline-close cache."""
        ...

    @property
    def benchmarks(self) -> BenchmarkStore:
        """Benchmark state and events."""
        ...

    def run_writer(self, run_id: str) -> RunWriter:
        """A writer for one run."""
        ...

    def account_ids(self, names: Collection[str]) -> dict[str, int]:
        """Ids of the named accounts that exist."""
        ...


# --- the exchange ---------------------------------------------------------------------------


class RequestCounts(Protocol):
    """What a client spent so far."""

    requests: int
    weight: int
    uid_weight: int


class KlineReader(Protocol):
    """Anything that answers ``GET /api/v3/klines``."""

    async def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None,
        limit: int,
        end_ms: int | None = None,
    ) -> list[list[Any]]:
        """Binance kline arrays ``[open_time, open, high, low, close, ...]``, oldest first."""
        ...


class MarketReader(KlineReader, Protocol):
    """Public market data (``adapters.binance.market.MarketDataClient``)."""

    @property
    def stats(self) -> RequestCounts:
        """Requests and weight so far."""
        ...

    async def ticker_prices(self) -> dict[str, Decimal]:
        """Every symbol's last price, in one request."""
        ...

    async def server_time_ms(self) -> int:
        """Binance's clock."""
        ...


class AccountReader(MarketReader, Protocol):
    """One account's signed reads (``adapters.binance.client.BinanceClient``)."""

    async def spot_holdings(self) -> list[Holding]:
        """Spot balances."""
        ...

    async def funding_holdings(self) -> list[Holding]:
        """Funding wallet balances."""
        ...

    async def earn_holdings(self, wallet: Wallet, *, page_size: int = ...) -> list[Holding]:
        """Simple Earn positions, every page."""
        ...

    async def futures_holdings(self) -> list[Holding]:
        """USD-M futures margin balances."""
        ...

    async def wallet_balances(self, quote_asset: str = "USDT") -> dict[str, Decimal]:
        """Binance's own per-wallet totals."""
        ...

    async def api_restrictions(self) -> dict[str, Any]:
        """What the key may do."""
        ...

    async def deposit_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Deposit records between the two times."""
        ...

    async def withdraw_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Withdrawal records between the two times."""
        ...


class Exchange(Protocol):
    """Binance for one run or process: pools, limiter, time offset (``BinanceExchange``)."""

    @property
    def market(self) -> MarketReader:
        """The public market-data client."""
        ...

    @property
    def banned(self) -> Exception | None:
        """The IP ban in force, if any."""
        ...

    @property
    def limiter_waits(self) -> int:
        """How often a request waited for Binance's weight limits."""
        ...

    async def sync_time(self) -> None:
        """Measure the offset between our clock and Binance's."""
        ...

    def time_floor_s(
        self, wallets: list[frozenset[str]], *, reconcile: bool, ledger: bool
    ) -> float:
        """The least time Binance's per-IP weight limits allow for such a run."""
        ...

    def limit_notes(self) -> list[str]:
        """Which weight limits made requests wait, and for how long."""
        ...

    def waiting_on(self) -> list[str]:
        """The weight limits requests are waiting on right now."""
        ...

    def account(
        self, api_key: SecretStr, api_secret: SecretStr
    ) -> AbstractAsyncContextManager[AccountReader]:
        """A signed client on a free connection pool, for the ``async with``."""
        ...


JsonObject = dict[str, Any]

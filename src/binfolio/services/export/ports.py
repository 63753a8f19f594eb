"""What the export use-cases need from storage and from Google Sheets, as interfaces.

``adapters/storage/export_repo.py`` implements :class:`OutboxStore` (every SQL statement lives
there) and ``adapters/sheets`` implements :class:`Sheet`; the services here see only these.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True)
class RowSource:
    """What a spreadsheet row is rendered from: one snapshot and its stored context.

    ``benchmark_units`` are the basket's units after the last benchmark event at or before the
    snapshot, ``None`` before the benchmark started or while it is not final at that moment
    (a flow still being priced, or events not applied that far yet). ``flows`` are the signed
    USDT values of the account's flows since its previous snapshot, ``None`` while one is
    being priced.
    """

    outbox_id: int
    run_id: str
    account: str
    taken_at: datetime
    status: str
    nav_usdt: Decimal | None
    unpriced: tuple[str, ...]
    asset_values: dict[str, Decimal]
    prices: dict[str, Decimal]
    benchmark_units: dict[str, Decimal] | None
    flows: tuple[Decimal | None, ...] = ()


@dataclass(frozen=True)
class FrozenRow:
    """A rendered row: its cells in header order, and per-asset values for the wide columns."""

    outbox_id: int
    cells: list[str]
    asset_values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingRow:
    """A frozen row waiting for Google; ``attempts`` > 0 means an append may have landed."""

    outbox_id: int
    run_id: str
    cells: list[str]
    asset_values: dict[str, str]
    attempts: int


@dataclass(frozen=True)
class OutboxCounts:
    """How many rows wait and how many went."""

    pending: int
    sent: int


class OutboxStore(Protocol):
    """The outbox table and the sender's lock (``adapters.storage.export_repo``)."""

    def acquire_sender_lock(self) -> bool:
        """Take the lock that lets one sender at a time append (False: another one sends)."""
        ...

    def release_sender_lock(self) -> None:
        """Release the sender's lock."""
        ...

    def unrendered(self, limit: int) -> list[RowSource]:
        """Pending rows of finished runs not rendered yet, with what they render from."""
        ...

    def freeze(self, rows: Sequence[FrozenRow], now: datetime) -> None:
        """Store rendered cells; rows already frozen keep theirs."""
        ...

    def pending(self, limit: int) -> list[PendingRow]:
        """Frozen pending rows in sheet order, whole runs only, about ``limit`` rows."""
        ...

    def note_attempt(self, outbox_ids: Collection[int]) -> None:
        """Count an append about to be tried (committed before it goes out)."""
        ...

    def note_error(self, outbox_ids: Collection[int], message: str) -> None:
        """Remember why the last try failed."""
        ...

    def mark_sent(self, outbox_ids: Collection[int], now: datetime) -> None:
        """The rows are in the sheet."""
        ...

    def enqueue_missing(self, now: datetime) -> int:
        """Add outbox rows for snapshots that have none; returns how many."""
        ...

    def counts(self) -> OutboxCounts:
        """Pending and sent rows."""
        ...


class Sheet(Protocol):
    """The worksheet rows go to (``adapters.sheets.client.GoogleSheet``)."""

    def run_ids(self) -> list[str]:
        """The Run ID column, header included (one read of that column only)."""
        ...

    def header(self) -> list[str]:
        """The first row (wide mode reads it to place the asset columns)."""
        ...

    def write_header(self, cells: Sequence[str]) -> None:
        """Overwrite the first row."""
        ...

    def append(self, rows: Sequence[Sequence[str]]) -> None:
        """Append rows after the last one, in one request, cells stored as given."""
        ...


class CsvKind(StrEnum):
    """How a stored column is written to CSV."""

    TIME = "time"
    MONEY = "money"
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    JSON = "json"
    ANY = "any"


@dataclass(frozen=True)
class CsvTable:
    """One ``binfolio export csv --what`` table: column names, kinds and a row stream."""

    columns: tuple[str, ...]
    kinds: tuple[CsvKind, ...]
    rows: Iterator[Sequence[Any]]

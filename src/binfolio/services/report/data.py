"""What the report reads, as plain columns, and the interface it reads them through.

``adapters.storage.report_repo`` answers with one set-based query each for snapshots, run
prices, benchmark events and flows over every requested account. The benchmark is read as units
after each audited event: a step function of time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from binfolio.domain.money import ZERO
from binfolio.domain.performance import FlowAt

FlowRow = tuple[datetime, str, Decimal | None]
"""A ledger flow: (time, kind, value in USDT or None while pending)."""


@dataclass
class BenchmarkPath:
    """Units after each benchmark event (in event order) and the money each event moved."""

    times: list[datetime] = field(default_factory=list)
    units: list[dict[str, Decimal]] = field(default_factory=list)
    flows: list[FlowAt] = field(default_factory=list)

    @property
    def assets(self) -> set[str]:
        """Every asset the benchmark ever held."""
        return {asset for units in self.units for asset in units}

    def values_at(
        self, moments: Sequence[datetime], prices: Sequence[Mapping[str, Decimal]]
    ) -> list[Decimal | None]:
        """``B(t)`` at each of ``moments`` (sorted) with that moment's prices.

        Moments between two events share their units, so each such stretch is valued in one
        comprehension; None before the start or when a price of a held asset is missing.
        """
        result: list[Decimal | None] = [None] * len(moments)
        for event, units in enumerate(self.units):
            first = bisect_left(moments, self.times[event])
            last = (
                bisect_left(moments, self.times[event + 1])
                if event + 1 < len(self.times)
                else len(moments)
            )
            if first < last:
                held = [(asset, amount) for asset, amount in units.items() if amount]
                result[first:last] = _values(held, prices[first:last])
        return result


def _values(
    held: list[tuple[str, Decimal]], prices: Sequence[Mapping[str, Decimal]]
) -> list[Decimal | None]:
    """``Σ units × price`` for each price map; None where a held asset has no price."""
    try:
        if len(held) == 2:  # the default 50/50 basket: spelled out, it is twice as fast
            (first, first_units), (second, second_units) = held
            return [first_units * p[first] + second_units * p[second] for p in prices]
        return [sum((units * p[asset] for asset, units in held), ZERO) for p in prices]
    except KeyError:
        return [
            sum((units * p[asset] for asset, units in held), ZERO)
            if all(asset in p for asset, _ in held)
            else None
            for p in prices
        ]


@dataclass
class Snapshots:
    """One account's complete snapshots as columns, and when it was last seen at all."""

    runs: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    navs: list[Decimal] = field(default_factory=list)
    last_seen: datetime | None = None


class ReportSource(Protocol):
    """The stored data a report reads (one consistent read of the database)."""

    def accounts(self, name: str | None) -> list[tuple[int, str]]:
        """(id, name) of ``name``, or of every account with a snapshot, by name."""
        ...

    def base_times(self, ids: list[int], since: datetime | None) -> dict[int, datetime]:
        """Per account, the last complete snapshot at or before ``since`` (else ``since``)."""
        ...

    def snapshots(
        self, ids: list[int], start: datetime | None, until: datetime
    ) -> dict[int, Snapshots]:
        """Complete snapshots in ``[start, until]`` per account, oldest first."""
        ...

    def run_prices(
        self, assets: set[str], start: datetime | None, until: datetime
    ) -> dict[str, dict[str, Decimal]]:
        """``run_id → asset → price`` of (at least) the runs in the window."""
        ...

    def flows(
        self, ids: list[int], start: datetime | None, until: datetime
    ) -> dict[int, list[FlowRow]]:
        """Ledger flows in ``(start, until]`` per account, by time."""
        ...

    def benchmark_paths(self, ids: list[int], until: datetime) -> dict[int, BenchmarkPath]:
        """Every account's benchmark events up to ``until``."""
        ...

    def snapshot_points(
        self, snapshot_ids: list[int]
    ) -> dict[int, tuple[int, datetime, Decimal | None]]:
        """``snapshot id → (account id, taken at, NAV)`` of the given snapshots."""
        ...

    def flows_between(self, account_id: int, start: datetime, end: datetime) -> list[FlowRow]:
        """One account's ledger flows in ``(start, end]``."""
        ...

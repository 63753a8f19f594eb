"""The spreadsheet row of one snapshot, in the header order ``docs/exports.md`` documents.

Rendering is pure: the outbox store hands over what was stored (snapshot, asset values, the
run's prices, the benchmark's units, the flows since the previous snapshot) and gets back text
cells, which it freezes, so that every retry sends exactly the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal

from binfolio.domain.money import CENT, ZERO
from binfolio.domain.money import cents as money_cents
from binfolio.services.export.cells import neutralise
from binfolio.services.export.ports import FrozenRow, RowSource

SHEET_HEADER = (
    "Timestamp (UTC)",
    "Account",
    "Total USDT",
    "Benchmark USDT",
    "Excess %",
    "Net flows USDT",
    "Status",
    "Unpriced",
    "Breakdown",
    "Run ID",
)


def cents(value: Decimal | None) -> str:
    """Money for a person to read: to the cent (``domain.money.cents``); empty when unknown."""
    return "" if value is None else money_cents(value)


def benchmark_value(source: RowSource) -> Decimal | None:
    """``B(t) = Σ units × price`` at the snapshot's prices; None when a held asset lacks one."""
    if source.benchmark_units is None:
        return None
    total = ZERO
    for asset, units in source.benchmark_units.items():
        if not units:
            continue
        price = source.prices.get(asset)
        if price is None:
            return None
        total += units * price
    return total


def excess_pct(nav_usdt: Decimal | None, benchmark_usdt: Decimal | None) -> Decimal | None:
    """``(NAV / B − 1) × 100``; None when either is unknown or the benchmark is zero."""
    if nav_usdt is None or not benchmark_usdt:
        return None
    return (nav_usdt / benchmark_usdt - 1) * 100


def breakdown(asset_values: dict[str, Decimal]) -> str:
    """``BTC: 1234.56; ETH: 567.80``: largest first, assets worth nothing left out."""
    held = sorted(
        ((asset, value) for asset, value in asset_values.items() if value.quantize(CENT)),
        key=lambda item: (-item[1], item[0]),
    )
    return "; ".join(f"{asset}: {cents(value)}" for asset, value in held)


def render_row(source: RowSource) -> FrozenRow:
    """The cells of one (run, account) row, text cells neutralised against formulas."""
    bench = benchmark_value(source)
    priced_flows = [value for value in source.flows if value is not None]
    # A flow still being priced makes the sum unknown, not smaller.
    flows = sum(priced_flows, ZERO) if len(priced_flows) == len(source.flows) else None
    pct = excess_pct(source.nav_usdt, bench)
    cells = [
        source.taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        neutralise(source.account),
        cents(source.nav_usdt),
        cents(bench),
        cents(pct),
        cents(flows),
        neutralise(source.status),
        neutralise(", ".join(sorted(source.unpriced))),
        neutralise(breakdown(source.asset_values)),
        neutralise(source.run_id),
    ]
    wide = {a: cents(v) for a, v in source.asset_values.items() if v.quantize(CENT)}
    return FrozenRow(source.outbox_id, cells, wide)


def wide_layout(header: Sequence[str], rows: Sequence[dict[str, str]]) -> list[str]:
    """The asset columns after Run ID: those the sheet has, then new ones alphabetically.

    Existing columns never move, so rows appended earlier stay under their asset.
    """
    known = [cell for cell in header[len(SHEET_HEADER) :] if cell]
    new = sorted({asset for row in rows for asset in row} - set(known))
    return known + new


def wide_cells(
    cells: Sequence[str], asset_values: dict[str, str], assets: Sequence[str]
) -> list[str]:
    """A row's cells followed by its value under each asset column (empty where none)."""
    return [*cells, *(asset_values.get(asset, "") for asset in assets)]

"""Tables of figures that never hide a figure.

A table with a row per account is the natural layout, but at 80 columns rich squeezes it and
cuts the cells (``71,40…``), which is worse than useless for money. So a table too wide for the
terminal is turned on its side, a row per figure and a column per account, which fits for the
few accounts most people have. Cells never end in an ellipsis: a cell too wide for any layout
folds onto a second line instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table


@dataclass(frozen=True)
class FigureTable:
    """Rows of figures keyed by account; cells may carry rich markup."""

    title: str
    key_header: str
    headers: Sequence[str]
    rows: Sequence[tuple[str, Sequence[str]]]
    left_aligned: frozenset[str] = frozenset()  # headers of text columns; the rest are numbers


def fitted(figures: FigureTable, console: Console) -> Table:
    """The wide layout when the terminal holds it, else the same figures turned on their side."""
    wide = _wide(figures)
    unbounded = console.options.update(max_width=sys.maxsize)  # its natural width, unclamped
    if Measurement.get(console, unbounded, wide).maximum <= console.width:
        return wide
    return _tall(figures)


def _wide(figures: FigureTable) -> Table:
    table = Table(title=figures.title)
    table.add_column(figures.key_header, overflow="fold")
    for header in figures.headers:
        text = header in figures.left_aligned
        table.add_column(header, justify="left" if text else "right", overflow="fold")
    for key, cells in figures.rows:
        table.add_row(key, *cells)
    return table


def _tall(figures: FigureTable) -> Table:
    table = Table(title=figures.title)
    table.add_column("", overflow="fold")  # the figures' names; the accounts head the columns
    for key, _ in figures.rows:
        table.add_column(key, justify="right", overflow="fold")
    for index, header in enumerate(figures.headers):
        table.add_row(header, *(cells[index] for _, cells in figures.rows))
    return table

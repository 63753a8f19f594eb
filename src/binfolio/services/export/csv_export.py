"""``binfolio export csv``: one table streamed to CSV, cell by cell formatted for exactness.

Money is written as plain decimal text (never through a float), times as UTC ISO 8601 with
``Z``, JSON columns as their JSON text, and text neutralised against formula injection
(``cells.neutralise``). Rows are written as they arrive from the database, so memory stays
flat however many there are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any, TextIO

from binfolio.domain.money import fmt
from binfolio.services.export.cells import money_text, neutralise, time_text
from binfolio.services.export.ports import CsvKind, CsvTable

WHAT = ("snapshots", "assets", "flows", "benchmark", "runs", "signals", "trades")
_WRITE_ROWS = 1000


def _text(value: Any) -> str:
    return "" if value is None else neutralise(str(value))


def _int(value: Any) -> str:
    return "" if value is None else str(int(value))


def _bool(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _json(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return neutralise(text)


def _any(value: Any) -> str:
    """A reflected column of unknown meaning, formatted by its Python type."""
    for kind, formatter in _BY_TYPE:
        if isinstance(value, kind):
            return formatter(value)
    return "" if value is None else neutralise(str(value))


# bool before int: a bool is an int too.
_BY_TYPE: tuple[tuple[type | tuple[type, ...], Callable[[Any], str]], ...] = (
    (bool, _bool),
    (Decimal, fmt),
    (datetime, time_text),
    (int, str),
    ((dict, list), _json),
)


FORMATTERS: dict[CsvKind, Callable[[Any], str]] = {
    CsvKind.TIME: time_text,
    CsvKind.MONEY: money_text,
    CsvKind.TEXT: _text,
    CsvKind.INT: _int,
    CsvKind.BOOL: _bool,
    CsvKind.JSON: _json,
    CsvKind.ANY: _any,
}


def write_csv(table: CsvTable, out: TextIO) -> int:
    """Write the header and every row of ``table`` to ``out``; returns the number of rows.

    Raises:
        Exception: whatever the row stream raises (the database), or ``OSError`` writing.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    formatters = [FORMATTERS[kind] for kind in table.kinds]
    count = 0
    rows = iter(table.rows)
    while chunk := list(islice(rows, _WRITE_ROWS)):
        writer.writerows([[f(v) for f, v in zip(formatters, row, strict=True)] for row in chunk])
        count += len(chunk)
    return count

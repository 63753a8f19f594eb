"""``signals.csv`` and ``trades.csv``: the seed's audit files, append-only, one folder per mode.

The database is the record; these files are for spreadsheets. Their headers are the seed's,
exactly. Cells that come from an alert could be read as formulas by a spreadsheet
(``=HYPERLINK(…)``), so any cell starting with ``= + - @`` or a control character is prefixed
with ``'`` (OWASP "CSV injection"), unless it is a plain number. Each row is one ``write`` under
an exclusive file lock, so several processes can append to the same file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from binfolio.domain.trading.filters import wire
from binfolio.domain.trading.records import StoredTrade
from binfolio.domain.trading.signal import Signal

try:  # POSIX; on other systems the process-local lock alone guards the files
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

SIGNALS_HEADER = (
    "DateTime",
    "TradingPair",
    "Action",
    "Strategy",
    "TimeFrame",
    "Confidence",
    "Decision",
    "Reason",
)
TRADES_HEADER = ("DateTime", "TradingPair", "Action", "TradeAmount", "Price", "OrderID", "Status")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?\Z")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if cell.startswith(_RISKY_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def signal_row(signal: Signal, at: datetime, decision: str, reason: str) -> list[str]:
    """A ``signals.csv`` row (``decision``: ACCEPTED or REJECTED)."""
    confidence = "" if signal.confidence is None else wire(signal.confidence)
    return [
        _iso(at),
        signal.symbol,
        signal.side.value,
        signal.strategy,
        signal.timeframe,
        confidence,
        decision,
        reason,
    ]


def trade_row(trade: StoredTrade, at: datetime, status: str, order_id: str) -> list[str]:
    """A ``trades.csv`` row: the USDT amount (executed, else planned) and the price."""
    amount = trade.quote_qty if trade.quote_qty > 0 else trade.plan.notional
    price = trade.avg_price or trade.plan.price
    return [
        _iso(at),
        trade.plan.symbol,
        trade.plan.side.value,
        wire(amount.quantize(Decimal("0.00000001"))) if amount else "0",
        wire(price.quantize(Decimal("0.00000001"))) if price else "",
        order_id,
        status.upper(),
    ]


class CsvAudit:
    """Appends rows to ``signals.csv`` and ``trades.csv`` in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def signal(self, row: Sequence[str]) -> None:
        """Append a ``signals.csv`` row (the header first, in a new file)."""
        self._append("signals.csv", SIGNALS_HEADER, row)

    def trade(self, row: Sequence[str]) -> None:
        """Append a ``trades.csv`` row."""
        self._append("trades.csv", TRADES_HEADER, row)

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[int]:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _append(self, name: str, header: Sequence[str], row: Sequence[str]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        with self._lock, self._locked(name) as fd:
            if os.fstat(fd).st_size == 0:
                writer.writerow(header)
            writer.writerow([neutralise(str(cell)) for cell in row])
            os.write(fd, buffer.getvalue().encode("utf-8"))

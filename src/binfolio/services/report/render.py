"""The report as JSON and CSV: money and ratios as decimal strings, ratios as fractions.

Money is rounded to cents (``"10250.40"``), ratios to 10 decimals without trailing zeros
(``"0.05"`` = 5%); a figure that cannot be computed is ``null`` (JSON) or empty (CSV).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from binfolio.domain.money import cents, ratio_text
from binfolio.domain.portfolio import Summary
from binfolio.services.report.figures import Report, ReportLine

COLUMNS = (
    "account",
    "nav",
    "benchmark_value",
    "excess_usdt",
    "excess_pct",
    "net_flows_usdt",
    "twr",
    "benchmark_twr",
    "alpha",
    "max_drawdown",
    "volatility",
    "sharpe",
    "first_snapshot_at",
    "last_snapshot_at",
    "intervals",
)


def money(value: Decimal | None) -> str | None:
    """``"10250.40"`` (``domain.money.cents``), None when unknown."""
    return None if value is None else cents(value)


def ratio(value: Decimal | None) -> str | None:
    """``"0.05"`` (``domain.money.ratio_text``), None when unknown."""
    return None if value is None else ratio_text(value)


def line_json(line: ReportLine) -> dict[str, Any]:
    """One entry of ``accounts``."""
    s: Summary = line.summary
    return {
        "account": line.account,
        "nav": money(s.nav_usdt),
        "benchmark_value": money(s.benchmark_usdt),
        "excess_usdt": money(s.excess_usdt),
        "excess_pct": ratio(s.excess_pct),
        "net_flows_usdt": money(s.net_flows_usdt),
        "twr": ratio(s.twr),
        "benchmark_twr": ratio(s.benchmark_twr),
        "alpha": ratio(s.alpha),
        "max_drawdown": ratio(s.max_drawdown),
        "volatility": ratio(s.volatility),
        "sharpe": ratio(s.sharpe),
        "first_snapshot_at": s.first_at.isoformat() if s.first_at else None,
        "last_snapshot_at": s.last_at.isoformat() if s.last_at else None,
        "intervals": s.intervals,
        "warnings": list(line.warnings),
    }


def report_json(report: Report) -> dict[str, Any]:
    """``{"since", "until", "accounts": [...]}`` as docs/performance.md documents it."""
    return {
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat(),
        "accounts": [line_json(line) for line in report.lines],
    }


def report_csv(report: Report) -> str:
    """One header row and one row per account (then "all")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in report.lines:
        entry = line_json(line)
        writer.writerow(["" if entry[c] is None else entry[c] for c in COLUMNS])
    return buffer.getvalue()

"""Cell formatting and row rendering (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from binfolio.services.export.cells import iso_z, money, money_text, neutralise, time_text
from binfolio.services.export.ports import RowSource
from binfolio.services.export.rows import SHEET_HEADER, render_row, wide_cells, wide_layout


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-main", "'-main"),
        ("-5.25", "-5.25"),  # a number, not a formula
        ("BTC", "BTC"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_run_is_neutralised(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_money_is_plain_exact_text_the_same_from_both_engines() -> None:
    assert money(Decimal("1E-8")) == "0.00000001"
    assert money(Decimal("1E+3")) == "1000"
    assert money(None) == ""
    assert money_text("10250.400000000000000000") == "10250.4"  # SQLite's stored text
    assert money_text(Decimal("10250.400000000000000000")) == "10250.4"  # psycopg's Decimal
    assert money_text("-0.000") == "0"
    assert money_text("100") == "100"


def test_times_are_utc_with_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso_z(datetime(2026, 11, 30, 13, 0, 5, tzinfo=paris)) == "2026-11-30T12:00:05Z"
    assert time_text("2026-11-30 12:00:05.123456") == "2026-11-30T12:00:05.123456Z"
    assert time_text(datetime(2026, 11, 30, 12, 0, 5)) == "2026-11-30T12:00:05Z"
    with pytest.raises(ValueError, match="naive"):
        iso_z(datetime(2026, 11, 30))


def source(**changes: object) -> RowSource:
    base: dict[str, object] = {
        "outbox_id": 1,
        "run_id": "run-1",
        "account": "main",
        "taken_at": datetime(2026, 11, 30, 12, 0, 5, 900000, tzinfo=UTC),
        "status": "complete",
        "nav_usdt": Decimal("10250.405"),
        "unpriced": ("ZZZ", "FOO"),
        "asset_values": {"BTC": Decimal("6000"), "ETH": Decimal("4250.405"), "DUST": Decimal(0)},
        "prices": {"BTC": Decimal("60000"), "ETH": Decimal("3000")},
        "benchmark_units": {"BTC": Decimal("0.1"), "ETH": Decimal("1")},
        "flows": (Decimal(500), Decimal("-120.5")),
    }
    return RowSource(**(base | changes))  # type: ignore[arg-type]


def test_a_row_follows_the_header_with_cents_and_a_breakdown_largest_first() -> None:
    row = render_row(source())

    assert dict(zip(SHEET_HEADER, row.cells, strict=True)) == {
        "Timestamp (UTC)": "2026-11-30T12:00:05Z",
        "Account": "main",
        "Total USDT": "10250.40",  # half to even
        "Benchmark USDT": "9000.00",
        "Excess %": "13.89",
        "Net flows USDT": "379.50",
        "Status": "complete",
        "Unpriced": "FOO, ZZZ",
        "Breakdown": "BTC: 6000.00; ETH: 4250.40",
        "Run ID": "run-1",
    }
    assert row.asset_values == {"BTC": "6000.00", "ETH": "4250.40"}


def test_unknown_values_are_empty_cells_never_zero() -> None:
    row = render_row(
        source(
            nav_usdt=None,
            status="failed",
            benchmark_units={"BTC": Decimal(1), "SOL": Decimal(2)},  # no SOL price this run
            flows=(Decimal(1), None),
        )
    )

    assert row.cells[2:7] == ["", "", "", "", "failed"]


def test_wide_columns_keep_their_place_and_new_assets_go_last() -> None:
    header = [*SHEET_HEADER, "ETH", "BTC"]
    rows = [{"BTC": "1.00", "ADA": "2.00"}, {"XRP": "3.00"}]

    assets = wide_layout(header, rows)

    assert assets == ["ETH", "BTC", "ADA", "XRP"]
    assert wide_cells(["c"], rows[0], assets) == ["c", "", "1.00", "2.00", ""]

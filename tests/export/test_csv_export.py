"""`binfolio export csv` as a process, on SQLite and PostgreSQL: exact, UTC, safe, streamed."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, insert, text

from binfolio.adapters.storage.database import make_engine, transaction
from binfolio.adapters.storage.models import SnapshotAssetRow, SnapshotRow
from tests.export.support import T0, Store, add_flow, add_run

# Exact values at the edges of NUMERIC(38, 18): 20 integer and 18 fraction digits.
TRICKY = [
    "0.000000000000000001",
    "99999999999999999999.999999999999999999",
    "-123.000000000000000001",
    "12345678901234567890.123456789012345678",
    "0.1",
    "1E+2",
    "-0.5",
]


def export(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    env |= {"DATABASE_URL": db_url, "BINFOLIO_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "binfolio", "export", "csv", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def read_csv(text_: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_)))


def test_every_decimal_comes_back_exactly_and_formulas_are_neutralised(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    run_id = add_run(store, {"-main": "1"}, holdings={"-main": {}})
    with transaction(store.factory) as session:
        snapshot = session.query(SnapshotRow).filter_by(run_id=run_id).one()
        snapshot.nav_usdt, snapshot.spot_usdt, snapshot.funding_usdt = map(Decimal, TRICKY[:3])
        snapshot.earn_usdt, snapshot.futures_usdt = map(Decimal, TRICKY[3:5])
        snapshot.binance_total_usdt, snapshot.drift_pct = map(Decimal, TRICKY[5:7])
        snapshot.reasons = ["=1+1 wallet failed"]
        session.add_all(
            SnapshotAssetRow(
                snapshot_id=snapshot.id,
                wallet="spot",
                asset=asset,
                amount=Decimal(value),
                price=Decimal(value),
                price_source="usdt",
                value_usdt=Decimal(value),
            )
            for asset, value in zip(
                ["=HYPERLINK(1)", "+X", "@Y", "A", "B", "C"], TRICKY[1:], strict=True
            )
        )
    out = tmp_path / "snapshots.csv"

    snapshots = export(db_url, tmp_path, "--what", "snapshots", "--out", str(out))
    assets = export(db_url, tmp_path, "--what", "assets")

    assert snapshots.returncode == 0, snapshots.stderr
    [row] = read_csv(out.read_text(encoding="utf-8"))
    columns = ["nav_usdt", "spot_usdt", "funding_usdt", "earn_usdt", "futures_usdt"]
    columns += ["binance_total_usdt", "drift_pct"]
    assert [Decimal(row[c]) for c in columns] == [Decimal(v) for v in TRICKY]
    assert row["earn_usdt"] == "12345678901234567890.123456789012345678"
    assert row["binance_total_usdt"] == "100"  # plain, never 1E+2
    assert row["account"] == "'-main"
    assert row["reasons"] == '["=1+1 wallet failed"]'  # JSON text starts with "[": inert
    assert row["taken_at"] == "2026-11-30T12:00:06.123456Z"
    assert f"1 snapshots rows → {out}" in snapshots.stderr
    assert assets.returncode == 0, assets.stderr
    by_asset = {r["asset"]: r for r in read_csv(assets.stdout)}
    assert set(by_asset) == {"'=HYPERLINK(1)", "'+X", "'@Y", "A", "B", "C"}
    for asset, value in zip(
        ["'=HYPERLINK(1)", "'+X", "'@Y", "A", "B", "C"], TRICKY[1:], strict=True
    ):
        got = by_asset[asset]
        assert Decimal(got["amount"]) == Decimal(got["price_usdt"]) == Decimal(value)
        assert Decimal(got["value_usdt"]) == Decimal(value)


def test_filters_pick_the_account_and_the_half_open_window(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    for hour in range(4):
        add_run(store, {"main": f"{hour}", "side": "7"}, at=T0 + timedelta(hours=hour))
    add_flow(store, "main", "withdrawal", "-0.25", at=T0, binance_id="w1")

    result = export(
        db_url,
        tmp_path,
        *("--what", "snapshots", "--account", "main"),
        *("--since", "2026-11-30T13:00:06.123456Z", "--until", "2026-11-30T15:00:06.123456Z"),
    )
    flows = export(db_url, tmp_path, "--what", "flows", "--until", "2026-11-30")
    runs = export(db_url, tmp_path, "--what", "runs", "--account", "side")

    assert result.returncode == 0, result.stderr
    assert [(r["account"], r["nav_usdt"]) for r in read_csv(result.stdout)] == [
        ("main", "1"),
        ("main", "2"),
    ]
    assert [r["value_usdt"] for r in read_csv(flows.stdout)] == ["-0.25"]
    assert [r["run_id"] for r in read_csv(runs.stdout)] == store.runs


def test_an_unknown_account_or_date_exits_2_naming_the_problem(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    add_run(store, {"main": "1"})

    unknown = export(db_url, tmp_path, "--what", "snapshots", "--account", "nope")
    bad_date = export(db_url, tmp_path, "--what", "snapshots", "--since", "yesterday")
    bad_what = export(db_url, tmp_path, "--what", "everything")

    assert unknown.returncode == 2
    assert "no account named 'nope' (known: main)" in unknown.stderr
    assert bad_date.returncode == 2
    assert "'yesterday' is not a date" in bad_date.stderr
    assert bad_what.returncode == 2
    assert "everything" in bad_what.stderr


@pytest.fixture
def without_trader_tables(db_url: str) -> str:
    engine = make_engine(db_url)
    with engine.begin() as connection:
        for table in ("trades", "signals"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()
    return db_url


def test_signals_and_trades_before_the_trader_ran_give_an_empty_export(
    without_trader_tables: str, tmp_path: Path
) -> None:
    out = tmp_path / "trades.csv"
    out.write_text("stale", encoding="utf-8")

    result = export(without_trader_tables, tmp_path, "--what", "trades", "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert "no trades recorded yet: the trader has not run; the export is empty" in result.stderr
    assert out.read_text(encoding="utf-8") == ""


def test_the_trader_tables_export_every_column_formatted_by_type(
    without_trader_tables: str, tmp_path: Path
) -> None:
    engine = make_engine(without_trader_tables)
    signals = Table(
        "signals",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("received_at", DateTime(timezone=True)),
        Column("symbol", String(32)),
        Column("amount_usdt", String(64)),
        Column("payload", JSON),
    )
    signals.create(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(signals),
            [
                {
                    "received_at": T0 + timedelta(minutes=m),
                    "symbol": symbol,
                    "amount_usdt": "-10.5",
                    "payload": {"side": "BUY"},
                }
                for m, symbol in ((0, "BTCUSDT"), (5, "=EVIL()"))
            ],
        )
    engine.dispose()

    result = export(
        without_trader_tables, tmp_path, "--what", "signals", "--since", "2026-11-30T12:01:00"
    )

    assert result.returncode == 0, result.stderr
    assert read_csv(result.stdout) == [
        {
            "id": "2",
            "received_at": "2026-11-30T12:05:05.123456Z",
            "symbol": "'=EVIL()",
            "amount_usdt": "-10.5",
            "payload": '{"side": "BUY"}',
        }
    ]

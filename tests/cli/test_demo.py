"""`binfolio demo` runs the whole product on embedded defaults: backfill, live run, report."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.cli.conftest import RunCli


def test_demo_backfills_history_and_reports_against_the_benchmark(
    run_cli: RunCli, tmp_path: Path
) -> None:
    demo_dir = tmp_path / "demo"

    result = run_cli(
        "demo", "--runs", "1", "--backfill-days", "2", "--port", "0", "--data-dir", str(demo_dir)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "backfilled 9 snapshot runs" in result.stdout
    config = demo_dir / "binfolio.toml"
    for name in ("main", "trading"):
        assert (demo_dir / f"{name}.secret").stat().st_mode & 0o777 == 0o600
    report = run_cli("--config", str(config), "report", "--format", "json")
    assert report.returncode == 0, report.stderr
    lines = {entry["account"]: entry for entry in json.loads(report.stdout)["accounts"]}
    assert set(lines) == {"main", "trading", "all"}
    # The backfill's deposit of 1,500 USDT on day 2 reached the ledger through the live run.
    assert Decimal(lines["main"]["net_flows_usdt"]) == Decimal("1500")
    assert Decimal(lines["trading"]["net_flows_usdt"]) == 0
    for entry in lines.values():
        assert Decimal(entry["nav"]) > 0
        assert Decimal(entry["benchmark_value"]) > 0
        assert entry["twr"] is not None


def test_demo_refuses_to_wipe_a_directory_it_did_not_make(run_cli: RunCli, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "binfolio.db").write_text("real data")

    result = run_cli("demo", "--runs", "1", "--port", "0", "--data-dir", str(precious))

    assert result.returncode == 2
    assert "refusing to wipe it" in result.stderr
    assert (precious / "binfolio.db").read_text() == "real data"

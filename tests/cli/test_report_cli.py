"""`binfolio report` and `binfolio benchmark rebuild` as real processes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner, Result

from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.domain.clock import to_ms
from binfolio.domain.portfolio import Summary
from binfolio.entrypoints.cli import app
from binfolio.entrypoints.cli.report import print_table
from binfolio.services.report.figures import Report, ReportLine
from binfolio.simulator.testing import SimulatorHandle
from tests.cli.conftest import RunCli
from tests.services.ledger_support import add_account, add_snapshot

T0 = datetime(2026, 1, 6, 10, tzinfo=UTC)  # a Tuesday, in the past
MONDAY_NOON = datetime(2026, 1, 12, 12, tzinfo=UTC)


def _database(tmp_path: Path, *, migrate: bool = True) -> dict[str, str]:
    """A database with one account: 10000 → 11000 over a day; returns the environment."""
    url = f"sqlite:///{tmp_path / 'report.db'}"
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
        factory = make_session_factory(engine)
        account_id = add_account(factory, "main")
        prices = {"BTC": "50000", "ETH": "2500"}
        add_snapshot(factory, account_id, T0, "10000", prices)
        add_snapshot(factory, account_id, T0 + timedelta(days=1), "11000", prices)
    engine.dispose()
    return {"DATABASE_URL": url}


def test_report_json_without_benchmark_says_so_and_exits_0(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("report", "--format", "json", env=_database(tmp_path))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["since"] is None
    main, total = data["accounts"]
    assert (main["account"], main["nav"], main["twr"]) == ("main", "11000.00", "0.1")
    assert main["benchmark_value"] is None
    assert total["account"] == "all"


def test_rebuild_fetches_rebalance_closes_then_the_report_compares(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _database(tmp_path)
    config = tmp_path / "binfolio.toml"
    config.write_text(f'[binance]\nbase_url = "{simulator.base_url}"\n')
    # The Monday rebalance after the snapshots is priced at the 12:00 kline close.
    simulator.set_clock(to_ms(MONDAY_NOON) + 59_999)
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "2000"})
    simulator.set_clock(to_ms(MONDAY_NOON) + 3_600_000)

    rebuilt = run_cli("--config", str(config), "benchmark", "rebuild", env=env)
    report = run_cli("report", "--format", "csv", "--until", "2026-01-13", env=env)

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "main" in rebuilt.stdout
    assert "1 events" in rebuilt.stdout  # the rebalance
    assert report.returncode == 0, report.stderr
    header, main, total = report.stdout.splitlines()
    assert header.split(",")[:3] == ["account", "nav", "benchmark_value"]
    # Benchmark (0.1 BTC, 2 ETH) from 10000 at 50000/2500; unchanged prices in both snapshots.
    assert main.split(",")[:3] == ["main", "11000.00", "10000.00"]
    assert total.startswith("all,")


def invoke(tmp_path: Path, *args: str, env: dict[str, str]) -> Result:
    """The command in-process (no interpreter start-up): enough for argument handling."""
    environment = env | {"BINFOLIO_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=environment)


def test_bad_period_and_unknown_account_exit_2(tmp_path: Path) -> None:
    env = _database(tmp_path)

    both = invoke(tmp_path, "report", "--period", "7d", "--since", "2026-01-01", env=env)
    preset = invoke(tmp_path, "report", "--period", "2w", env=env)
    nobody = invoke(tmp_path, "report", "--account", "nobody", env=env)
    output = invoke(tmp_path, "report", "--format", "xml", env=env)

    assert (both.exit_code, preset.exit_code, nobody.exit_code) == (2, 2, 2)
    assert "not both" in both.output
    assert "'2w' is not one of" in preset.output
    assert "nobody" in nobody.output
    assert output.exit_code == 2
    assert "'xml' is not one of 'table', 'json', 'csv'" in output.output


def test_report_on_an_unmigrated_database_says_how_to_fix_it(tmp_path: Path) -> None:
    result = invoke(tmp_path, "report", env=_database(tmp_path, migrate=False))

    assert result.exit_code == 2
    assert "binfolio db upgrade" in result.output


def test_table_lists_each_account_and_warns_without_a_benchmark(tmp_path: Path) -> None:
    result = invoke(tmp_path, "report", env=_database(tmp_path))

    assert result.exit_code == 0, result.output
    assert "main" in result.output
    assert "all" in result.output
    assert "no benchmark yet" in result.output


def test_table_colours_excess_and_alpha_by_beating_or_trailing() -> None:
    ahead = Summary(nav_usdt=D(110), benchmark_usdt=D(100), excess_usdt=D(10), alpha=D("0.1"))
    behind = Summary(nav_usdt=D(90), benchmark_usdt=D(100), excess_usdt=D(-10), alpha=D("-0.1"))
    result = Report(None, T0, [ReportLine("ahead", ahead), ReportLine("behind", behind)])
    out = Console(record=True, force_terminal=True, color_system="standard", width=200)

    print_table(result, out)

    rows = {
        line.split()[1]: line
        for line in out.export_text(styles=True).splitlines()
        if "ahead" in line or "behind" in line
    }
    green, red = "\x1b[32m", "\x1b[31m"
    assert f"{green}10.00" in rows["ahead"]
    assert f"{green}10.00%" in rows["ahead"]  # alpha
    assert f"{red}-10.00" in rows["behind"]
    assert red not in rows["ahead"]
    assert green not in rows["behind"]


def test_rebuild_with_binance_unreachable_reports_it_and_keeps_the_benchmark(
    run_cli: RunCli, tmp_path: Path
) -> None:
    env = _database(tmp_path)
    config = tmp_path / "binfolio.toml"
    # Nothing listens on port 1: the rebalance close cannot be fetched.
    config.write_text('[binance]\nbase_url = "http://127.0.0.1:1"\ntimeout_s = 2\n')

    rebuilt = run_cli("--config", str(config), "benchmark", "rebuild", env=env)

    assert rebuilt.returncode == 1
    assert "Traceback" not in rebuilt.stderr + rebuilt.stdout
    assert "cannot fetch 1-minute prices from http://127.0.0.1:1" in rebuilt.stderr
    assert "the stored benchmark is unchanged" in rebuilt.stderr


def test_report_with_an_unreachable_database_says_so_and_exits_2(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}

    result = invoke(tmp_path, "report", "--format", "json", env=env)

    assert result.exit_code == 2
    assert "cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    assert "[database] url" in result.output

"""`binfolio snapshot` as a real process against the simulator: JSON shape, table, exit codes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.simulator.testing import Credentials, SimulatorHandle, write_accounts_config
from tests.cli.conftest import RunCli

BALANCES = {"spot": {"USDT": "1000", "BTC": "0.5", "FOO": "7"}, "futures": {"USDT": "250"}}


def _config(workdir: Path, sim: SimulatorHandle, accounts: list[Credentials]) -> dict[str, str]:
    """A binfolio.toml naming each account's variables, and the variables themselves."""
    return write_accounts_config(
        workdir / "binfolio.toml", sim.base_url, accounts, extra=["[logging]", 'level = "WARNING"']
    )


def _setup(tmp_path: Path, sim: SimulatorHandle, names: list[str]) -> dict[str, str]:
    """Accounts in the simulator and the config; a database migrated in-process (no `init`)."""
    sim.set_prices({"BTCUSDT": "60000"})
    accounts = [sim.create_account(name, balances=BALANCES) for name in names]
    url = f"sqlite:///{tmp_path / 'snapshot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return _config(tmp_path / "work", sim, accounts) | {"DATABASE_URL": url}


def test_json_output_is_the_design_object_and_exit_0_when_all_complete(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _setup(tmp_path, simulator, ["main", "side"])

    result = run_cli("snapshot", "--json", env=env)

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"run_id", "started_at", "accounts"}
    assert data["started_at"].endswith("+00:00")
    main = data["accounts"][0]
    assert [a["account"] for a in data["accounts"]] == ["main", "side"]
    assert main["status"] == "complete"
    assert main["nav_usdt"] == "31250"  # 1000 + 0.5 × 60000 + 250
    assert main["wallets"] == {"spot": "31000", "funding": "0", "earn": "0", "futures": "250"}
    assert main["unpriced"] == ["FOO"]
    assert main["errors"] == []
    # Spot, funding, flexible and locked Earn (one page each), futures, Binance's total, and the
    # ledger's deposit and withdrawal history (the latter UID-weighted, counted apart).
    assert main["requests"] == 8
    assert main["weight"] == 20 + 1 + 150 + 150 + 5 + 60 + 1
    assert main["uid_weight"] == 18000
    assert Decimal(main["nav_usdt"]) == sum(Decimal(v) for v in main["wallets"].values())
    # Exactly one all-prices request however many accounts.
    assert sum(1 for e in simulator.requests_log() if e["path"] == "/api/v3/ticker/price") == 1


def test_the_table_shows_each_account_and_a_partial_one_exits_1(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _setup(tmp_path, simulator, ["main"])
    simulator.set_faults(endpoint="/fapi/v3/account", status=503)

    result = run_cli("snapshot", env=env)

    assert result.returncode == 1
    assert "main" in result.stdout
    assert "partial" in result.stdout
    assert "31,000.00" in result.stdout  # spot still read and valued
    assert "FOO" in result.stdout
    assert "futures: GET /fapi/v3/account: HTTP 503" in result.stdout


def test_in_an_80_column_terminal_every_figure_is_shown_whole(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _setup(tmp_path, simulator, ["main", "savings"])

    result = run_cli("snapshot", env=env | {"COLUMNS": "80"})

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout  # no cell cut short
    nav_row = next(line for line in lines if "NAV (USDT)" in line)  # a row per figure
    assert nav_row.count("31,250.00") == 2  # 1000 + 0.5 × 60000 + 250, for each account
    assert any("main" in line and "savings" in line for line in lines)  # accounts head columns


def test_account_option_limits_the_run_and_an_unknown_name_is_a_config_error(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _setup(tmp_path, simulator, ["main", "side", "third"])

    chosen = run_cli("snapshot", "--account", "side", "--account", "third", "--json", env=env)
    unknown = run_cli("snapshot", "--account", "ghost", env=env)

    assert chosen.returncode == 0, chosen.stderr
    assert [a["account"] for a in json.loads(chosen.stdout)["accounts"]] == ["side", "third"]
    assert {e["account"] for e in simulator.requests_log()} <= {None, "side", "third"}
    assert unknown.returncode == 2
    assert "ghost" in unknown.stderr


def test_an_unmigrated_database_is_a_configuration_error_with_the_fix(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    creds = simulator.create_account("main", balances=BALANCES)
    env = _config(tmp_path / "work", simulator, [creds])

    result = run_cli("snapshot", env=env)

    assert result.returncode == 2
    assert "binfolio db upgrade" in result.stderr
    assert simulator.requests_log() == []


def test_a_ban_stops_the_run_and_says_until_when(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    env = _setup(tmp_path, simulator, ["main"])
    simulator.set_faults(endpoint="/api/v3/ticker/price", status=418, retry_after=300)

    result = run_cli("snapshot", env=env)

    assert result.returncode == 1
    assert "Binance banned this IP until" in result.stderr


def test_each_run_leaves_its_outcome_in_the_log_table(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    from sqlalchemy import create_engine, text

    env = _setup(tmp_path, simulator, ["main"])

    result = run_cli("snapshot", "--json", env=env)

    run_id = json.loads(result.stdout)["run_id"]
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text("select level, message, run_id from logs")).all()
    engine.dispose()
    summary = [r for r in rows if "main complete, NAV" in r.message]
    assert len(summary) == 1
    assert summary[0].level == "INFO"
    assert summary[0].run_id == run_id


def test_messages_that_name_config_tables_keep_their_brackets(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # rich reads "[[accounts]]" (or "[collector]") as markup unless the text is escaped: a fix
    # that names the table to edit must reach the user whole.
    (tmp_path / "work" / "binfolio.toml").write_text("[collector]\nconcurrency = 0\n")

    bad = run_cli("snapshot")
    (tmp_path / "work" / "binfolio.toml").write_text("")
    engine = make_engine(f"sqlite:///{tmp_path / 'work' / 'binfolio.db'}")
    upgrade(engine)
    engine.dispose()
    empty = run_cli(
        "snapshot", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'work' / 'binfolio.db'}"}
    )

    assert bad.returncode == 2
    assert "collector.concurrency" in bad.stderr
    assert empty.returncode == 2
    assert "add [[accounts]] to binfolio.toml" in empty.stderr

"""`binfolio init` then `binfolio doctor` in an empty directory, and doctor's failure reports."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from binfolio.simulator.testing import SimulatorHandle
from tests.cli.conftest import RunCli


def test_init_writes_commented_config_env_example_and_database(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("init")

    assert result.returncode == 0, result.stderr
    work = tmp_path / "work"
    config_text = (work / "binfolio.toml").read_text()
    assert config_text.count("\n#") > 20  # commented, not a bare dump
    assert tomllib.loads(config_text)["binance"]["base_url"] == "https://api.binance.com"
    assert "BINANCE_API_KEY=" in (work / ".env.example").read_text()
    assert (tmp_path / "data" / "binfolio.db").is_file()
    assert (tmp_path / "data" / "master.key").stat().st_mode & 0o777 == 0o600


def test_doctor_passes_after_init(run_cli: RunCli) -> None:
    assert run_cli("init").returncode == 0

    result = run_cli("doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout
    assert "schema at" in result.stdout


def test_doctor_lists_each_problem_with_its_fix(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("init").returncode == 0
    work = tmp_path / "work"
    secret_file = work / "main.secret"
    secret_file.write_text("s3cr3t-value-0644\n")
    secret_file.chmod(0o644)
    (work / "binfolio.toml").write_text(
        "[[accounts]]\n"
        'name = "main"\n'
        'api_key_env = "MAIN_KEY"\n'
        f'api_secret_file = "{secret_file}"\n'
        "[[accounts]]\n"
        'name = "other"\n'
        'api_key_env = "OTHER_KEY"\n'
        'api_secret_env = "OTHER_SECRET"\n'
    )

    result = run_cli(
        "doctor",
        env={"MAIN_KEY": "k" * 64, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )

    assert result.returncode == 1
    out = result.stdout
    assert f"chmod 600 {secret_file}" in out
    assert "variable OTHER_KEY is not set" in out
    assert "set OTHER_KEY in the environment or in .env" in out
    assert "cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none" in out
    assert "check DATABASE_URL" in out
    assert "s3cr3t-value-0644" not in out + result.stderr


def test_doctor_reports_a_database_behind_the_migrations(run_cli: RunCli, tmp_path: Path) -> None:
    db_path = tmp_path / "old.db"
    db_path.touch()

    result = run_cli("doctor", env={"DATABASE_URL": f"sqlite:///{db_path}"})

    assert result.returncode == 1
    assert "binfolio db upgrade" in result.stdout


def test_db_upgrade_brings_an_empty_database_to_head(run_cli: RunCli, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    first = run_cli("db", "upgrade", env=env)
    second = run_cli("db", "upgrade", env=env)

    assert first.returncode == 0, first.stderr
    assert "upgraded from (empty)" in first.stdout
    assert "already at" in second.stdout


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[collector]\ndeadline_s = -1\n", "collector.deadline_s"),
        ("[binance]\nbase_ur = 'x'\n", "binance.base_ur: is not a known setting"),
        ("[[accounts]]\nname = 'bad name!'\n", "accounts[0].name"),
        ("not toml at all", "is not valid TOML"),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(
    run_cli: RunCli, tmp_path: Path, toml: str, expected: str
) -> None:
    (tmp_path / "work" / "binfolio.toml").write_text(toml)

    result = run_cli("db", "upgrade")

    assert result.returncode == 2
    assert expected in result.stderr
    assert "Fix:" in result.stderr or "fix:" in result.stderr


@pytest.mark.parametrize(
    ("permissions", "code", "words"),
    [
        ({"enableSpotAndMarginTrading": True}, 0, "trading is enabled on a monitoring key"),
        ({"enableWithdrawals": True}, 1, "withdrawals are enabled"),
    ],
)
def test_doctor_checks_each_key_against_binance(
    run_cli: RunCli,
    simulator: SimulatorHandle,
    permissions: dict[str, bool],
    code: int,
    words: str,
) -> None:
    login = simulator.create_account(
        "main", balances={"spot": {"USDT": "10"}}, permissions=permissions
    )
    env = {
        "BINANCE_API_KEY": login.api_key,
        "BINANCE_API_SECRET": login.api_secret,
        "BINFOLIO_BINANCE__BASE_URL": simulator.base_url,
        "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator.base_url,
    }
    assert run_cli("init", env=env).returncode == 0

    result = run_cli("doctor", env=env)

    assert result.returncode == code, result.stdout
    assert words in result.stdout
    assert "of Binance's server time" in result.stdout  # the clock-skew check ran
    assert "fix: " in result.stdout

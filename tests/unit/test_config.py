"""Configuration: layered sources, seed variables, and errors that name the key and the fix."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from binfolio.adapters.binance.urls import LIVE_SPOT_URL
from binfolio.config_load import ConfigError, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_point_at_live_binance_and_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={"BINFOLIO_DATA_DIR": str(tmp_path)}, cwd=tmp_path)

    assert settings.binance.base_url == LIVE_SPOT_URL
    assert settings.database_url == f"sqlite:///{tmp_path / 'binfolio.db'}"
    assert settings.log_file == tmp_path / "logs" / "binfolio.log"
    assert settings.logging.backup_count == 30
    assert settings.benchmark.weights == {"BTC": Decimal("0.5"), "ETH": Decimal("0.5")}
    assert settings.dashboard.host == "127.0.0.1"
    assert settings.accounts == []


def test_environment_beats_dotenv_beats_toml(tmp_path: Path) -> None:
    config = write(
        tmp_path / "binfolio.toml",
        "[collector]\ndeadline_s = 10\nconcurrency = 3\nflow_window_days = 5\n",
    )
    write(
        tmp_path / ".env", "BINFOLIO_COLLECTOR__CONCURRENCY=4\nBINFOLIO_COLLECTOR__DEADLINE_S=20\n"
    )

    settings = load_settings(config, environ={"BINFOLIO_COLLECTOR__DEADLINE_S": "30"}, cwd=tmp_path)

    assert settings.collector.deadline_s == 30  # environment
    assert settings.collector.concurrency == 4  # .env
    assert settings.collector.flow_window_days == 5  # TOML


def test_seed_variables_configure_database_log_file_and_a_main_account(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "DATABASE_URL": "postgresql://u@db/x",
            "LOG_FILE_PATH": "/var/log/b.log",
            "BINANCE_API_KEY": "key",
            "BINANCE_API_SECRET": "secret",
            "WEBHOOK_SECRET_KEY": "hook-secret",
        },
        cwd=tmp_path,
    )

    assert settings.database_url == "postgresql://u@db/x"
    assert settings.log_file == Path("/var/log/b.log")
    assert [a.name for a in settings.accounts] == ["main"]
    assert settings.accounts[0].api_key_env == "BINANCE_API_KEY"
    assert settings.webhook.secret is not None
    assert settings.webhook.secret.get_secret_value() == "hook-secret"
    assert "hook-secret" not in repr(settings)


def test_binfolio_variable_beats_seed_variable(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"DATABASE_URL": "sqlite:///a.db", "BINFOLIO_DATABASE__URL": "sqlite:///b.db"},
        cwd=tmp_path,
    )

    assert settings.database_url == "sqlite:///b.db"


def test_configured_accounts_win_over_the_seed_account(tmp_path: Path) -> None:
    config = write(
        tmp_path / "b.toml",
        '[[accounts]]\nname = "spot-only"\napi_key_env = "K"\napi_secret_env = "S"\n'
        "wallets = { futures = false, earn = false }\n",
    )

    settings = load_settings(config, environ={"BINANCE_API_KEY": "x"}, cwd=tmp_path)

    assert [a.name for a in settings.accounts] == ["spot-only"]
    assert settings.accounts[0].wallets.enabled() == {"spot", "funding"}


@pytest.mark.parametrize(
    ("toml", "key", "words"),
    [
        ("[benchmark]\nweights = { BTC = 0.6, ETH = 0.6 }\n", "benchmark.weights", "sum to 1.2"),
        ("[benchmark]\nrebalance_cron = 'weekly'\n", "benchmark.rebalance_cron", "cron"),
        ("[binance]\nrecv_window_ms = 90000\n", "binance.recv_window_ms", "60000"),
        ("[logging]\nlevel = 'LOUD'\n", "logging.level", "DEBUG, INFO"),
        ("[collector]\nflow_window_days = 120\n", "collector.flow_window_days", "89"),
        (
            "[[accounts]]\nname='a'\n[[accounts]]\nname='a'\n",
            "accounts",
            "repeated: a",
        ),
        (
            "[[accounts]]\nname='a'\napi_key_env='K'\napi_key_file='/k'\n",
            "accounts[0]",
            "not both",
        ),
    ],
)
def test_invalid_values_name_the_key_the_problem_and_the_fix(
    tmp_path: Path, toml: str, key: str, words: str
) -> None:
    config = write(tmp_path / "binfolio.toml", toml)

    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={}, cwd=tmp_path)

    problem = caught.value.problems[0]
    assert problem.key == f"binfolio.toml {key}"
    assert words in problem.problem
    assert problem.fix


def test_a_bad_environment_override_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"BINFOLIO_DASHBOARD__PORT": "http"}, cwd=tmp_path)

    assert "BINFOLIO_DASHBOARD__PORT" in caught.value.problems[0].fix


def test_missing_config_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml", environ={}, cwd=tmp_path)

    assert "binfolio init" in caught.value.problems[0].fix


def test_cli_account_name_pattern_matches_the_settings_model() -> None:
    from binfolio.config import ACCOUNT_NAME_PATTERN
    from binfolio.entrypoints.cli.accounts import ACCOUNT_NAME_PATTERN as CLI_PATTERN

    assert CLI_PATTERN == ACCOUNT_NAME_PATTERN


def test_dotenv_with_the_seed_variables_of_env_example_is_accepted(tmp_path: Path) -> None:
    write(
        tmp_path / ".env",
        "BINANCE_API_KEY=key-from-dotenv\nBINANCE_API_SECRET=secret-from-dotenv\n"
        "DATABASE_URL=sqlite:///from-dotenv.db\nWEBHOOK_SECRET_KEY=hook-from-dotenv\n"
        "BINFOLIO_COLLECTOR__CONCURRENCY=3\nUNRELATED_TOOL_SETTING=1\n",
    )

    settings = load_settings(environ={}, cwd=tmp_path)

    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert [a.name for a in settings.accounts] == ["main"]
    assert settings.collector.concurrency == 3
    assert settings.webhook.secret is not None


def test_a_config_file_that_is_not_toml_names_the_file_and_the_fix(tmp_path: Path) -> None:
    config = write(tmp_path / "binfolio.toml", "[collector\ndeadline_s = 10\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={}, cwd=tmp_path)

    problem = caught.value.problems[0]
    assert (problem.key, problem.fix) == (str(config), "correct the syntax")
    assert "is not valid TOML" in problem.problem


def test_an_unknown_key_in_the_toml_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "binfolio.toml", "[collector]\ndeadline = 10\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={}, cwd=tmp_path)

    problem = caught.value.problems[0]
    assert (problem.key, problem.problem) == (
        "binfolio.toml collector.deadline",
        "is not a known setting",
    )

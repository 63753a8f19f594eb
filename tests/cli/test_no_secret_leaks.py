"""No configured secret appears in any command's output or in any log file."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from binfolio.simulator.testing import SimulatorHandle
from tests.cli.conftest import RunCli

SECRETS = {
    "BINANCE_API_KEY": "LeakKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
    "BINANCE_API_SECRET": "LeakSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR",
    "WEBHOOK_SECRET_KEY": "leak-webhook-secret-5f2c1e",
    "STORED_KEY": "StoredKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS",
    "STORED_SECRET": "StoredSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
}


def _all_text(root: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in root.rglob("*") if p.is_file() and p.suffix != ".db"
    )


def test_commands_never_print_or_log_a_secret(
    run_cli: RunCli, tmp_path: Path, postgres_schema_url: str
) -> None:
    master_key = Fernet.generate_key().decode()
    # trust auth ignores the password, so it reaches the logs only if we leak it.
    db_url = postgres_schema_url.replace("postgres@", "postgres:leak-db-password-77@")
    env = {
        **{k: v for k, v in SECRETS.items() if k.startswith(("BINANCE", "WEBHOOK"))},
        "BINFOLIO_MASTER_KEY": master_key,
        "BINFOLIO_LOGGING__LEVEL": "DEBUG",
        "DATABASE_URL": db_url,
    }
    outputs = [
        run_cli("init", env=env),
        run_cli("db", "upgrade", env=env),
        run_cli(
            "accounts",
            "add",
            "stored",
            env=env,
            input_text=f"{SECRETS['STORED_KEY']}\n{SECRETS['STORED_SECRET']}\n",
        ),
        run_cli("accounts", "list", env=env),
        run_cli("doctor", env=env),
    ]
    assert outputs[0].returncode == 0, outputs[0].stderr
    assert outputs[2].returncode == 0, outputs[2].stderr

    everything = "\n".join(o.stdout + o.stderr for o in outputs) + _all_text(tmp_path / "data")
    assert (tmp_path / "data" / "logs" / "binfolio.log").is_file()
    for name, secret in [*SECRETS.items(), ("master key", master_key)]:
        assert secret not in everything, f"{name} leaked"
    assert "leak-db-password-77" not in everything


def test_snapshot_and_doctor_against_binance_never_leak_the_key(
    run_cli: RunCli, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    login = simulator.create_account(
        "main", balances={"spot": {"USDT": "100", "BTC": "0.01"}, "futures": {"USDT": "50"}}
    )
    env = {
        "BINANCE_API_KEY": login.api_key,
        "BINANCE_API_SECRET": login.api_secret,
        "BINFOLIO_BINANCE__BASE_URL": simulator.base_url,
        "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator.base_url,
        "BINFOLIO_LOGGING__LEVEL": "DEBUG",
    }
    assert run_cli("init", env=env).returncode == 0
    # A withdrawal-enabled key makes doctor explain the risk; an expired one fails the account.
    simulator.set_permissions("main", enableWithdrawals=True)
    outputs = [
        run_cli("snapshot", env=env),
        run_cli("snapshot", "--json", env=env),
        run_cli("doctor", env=env),
    ]

    assert outputs[0].returncode == 0, outputs[0].stdout + outputs[0].stderr
    assert outputs[2].returncode == 1  # withdrawals enabled on a monitoring key
    everything = "\n".join(o.stdout + o.stderr for o in outputs) + _all_text(tmp_path / "data")
    assert login.api_key not in everything
    assert login.api_secret not in everything
    assert "signature=" not in everything.replace("signature=***", "")

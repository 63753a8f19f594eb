"""`binfolio accounts add|list|remove` on both engines: secrets encrypted, keys masked."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from binfolio.adapters.storage.database import normalise_url
from tests.cli.conftest import RunCli

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def test_add_list_remove_keeps_secrets_encrypted(run_cli: RunCli, db_url: str) -> None:
    env = {"DATABASE_URL": db_url}
    assert run_cli("init", env=env).returncode == 0

    added = run_cli("accounts", "add", "main", env=env, input_text=f"{KEY}\n{SECRET}\n")
    listed = run_cli("accounts", "list", env=env)

    assert added.returncode == 0, added.stderr
    assert "vmPU…Eh8A" in listed.stdout
    assert "main" in listed.stdout
    for output in (added, listed):
        assert KEY not in output.stdout + output.stderr
        assert SECRET not in output.stdout + output.stderr
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as connection:
        stored = connection.execute(
            text("select api_key_encrypted, api_secret_encrypted, api_key_masked from accounts")
        ).one()
    engine.dispose()
    raw = bytes(stored[0]) + bytes(stored[1])
    assert KEY.encode() not in raw
    assert SECRET.encode() not in raw
    assert stored[2] == "vmPU…Eh8A"

    duplicate = run_cli("accounts", "add", "main", env=env, input_text=f"{KEY}\n{SECRET}\n")
    removed = run_cli("accounts", "remove", "main", env=env)
    after = run_cli("accounts", "list", env=env)

    assert duplicate.returncode == 1
    assert "stored already" in duplicate.stderr
    assert removed.returncode == 0
    assert "main" not in after.stdout


def test_add_without_a_master_key_explains_the_fix(run_cli: RunCli, db_url: str) -> None:
    result = run_cli(
        "accounts", "add", "main", env={"DATABASE_URL": db_url}, input_text="k" * 20 + "\ns\n"
    )

    assert result.returncode == 2
    assert "binfolio init" in result.stderr


def test_remove_unknown_account_fails(run_cli: RunCli, db_url: str) -> None:
    result = run_cli("accounts", "remove", "ghost", env={"DATABASE_URL": db_url})

    assert result.returncode == 1
    assert "no stored account named 'ghost'" in result.stderr


def test_accounts_on_an_unmigrated_database_say_to_upgrade(run_cli: RunCli, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "BINFOLIO_MASTER_KEY": Fernet.generate_key().decode(),
    }

    added = run_cli("accounts", "add", "main", env=env, input_text=f"{KEY}\n{SECRET}\n")
    listed = run_cli("accounts", "list", env=env)

    for result in (added, listed):
        assert result.returncode == 2
        assert "binfolio db upgrade" in result.stderr
        assert "Traceback" not in result.stderr

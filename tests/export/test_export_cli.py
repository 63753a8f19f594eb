"""`binfolio export sheets` as a process: after `binfolio snapshot`, after a crash, and when
Google refuses the key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.services.export.rows import SHEET_HEADER
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.export.support import SPREADSHEET, WORKSHEET, add_run, open_store
from tests.fakes.google_sheets import FakeGoogle


def environment(tmp_path: Path, db_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    return (
        env
        | {
            "DATABASE_URL": db_url,
            "BINFOLIO_DATA_DIR": str(tmp_path / "data"),
            "BINFOLIO_LOGGING__LEVEL": "WARNING",
            "COLUMNS": "200",
        }
        | extra
    )


def sheets_env(google: FakeGoogle, key: Path, timeout_s: float = 10) -> dict[str, str]:
    """The seed variables and the test endpoint."""
    return {
        "GOOGLE_SERVICE_ACCOUNT_PATH": str(key),
        "GOOGLE_SPREADSHEET_ID": SPREADSHEET,
        "BINFOLIO_SHEETS__API_BASE_URL": google.url,
        "BINFOLIO_SHEETS__TIMEOUT_S": str(timeout_s),
    }


def binfolio(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "binfolio", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'binfolio.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def test_resync_after_snapshot_runs_puts_each_account_of_each_run_in_the_sheet_once(
    simulator: SimulatorHandle, google: FakeGoogle, key_file: Path, tmp_path: Path
) -> None:
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    creds = simulator.create_account("main", balances={"spot": {"USDT": "1000", "BTC": "0.5"}})
    url = migrated_sqlite(tmp_path)
    binance = {
        "BINANCE_API_KEY": creds.api_key,
        "BINANCE_API_SECRET": creds.api_secret,
        "BINFOLIO_BINANCE__BASE_URL": simulator.base_url,
        "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator.base_url,
    }
    runs = []
    for _ in range(2):
        run = binfolio(tmp_path, environment(tmp_path, url, binance), "snapshot", "--json")
        assert run.returncode == 0, run.stderr
        runs.append(json.loads(run.stdout))
    env = environment(tmp_path, url, sheets_env(google, key_file))

    first = binfolio(tmp_path, env, "export", "sheets", "--resync")
    again = binfolio(tmp_path, env, "export", "sheets", "--resync")

    assert first.returncode == 0, first.stderr
    rows = google.rows(SPREADSHEET, WORKSHEET)
    assert rows[0] == list(SHEET_HEADER)
    assert [(r[1], r[2], r[6], r[9]) for r in rows[1:]] == [
        (
            "main",
            f"{Decimal(run['accounts'][0]['nav_usdt']).quantize(Decimal('0.01'))}",
            "complete",
            run["run_id"],
        )
        for run in runs
    ]
    assert "BTC: 30000.00; USDT: 1000.00" in rows[1][8]
    # The benchmark starts at the first snapshot with its NAV; prices have not moved since.
    assert [r[3:6] for r in rows[1:]] == [[rows[1][2], "0.00", "0.00"]] * 2
    assert again.returncode == 0, again.stderr
    assert "0 rows queued" in again.stdout
    assert "0 rows appended, 0 pending" in again.stdout
    assert len(google.rows(SPREADSHEET, WORKSHEET)) == 3


def test_a_sender_killed_after_google_took_the_append_leaves_no_duplicate(
    google: FakeGoogle, key_file: Path, tmp_path: Path
) -> None:
    url = migrated_sqlite(tmp_path)
    store = open_store(url)
    add_run(store, {"main": "100", "side": "200"})
    env = environment(tmp_path, url, sheets_env(google, key_file, timeout_s=30))
    # Google applies the append and then takes 8 s to answer: the sender is killed meanwhile.
    google.add_spreadsheet(SPREADSHEET, WORKSHEET)
    google.hang("append", 8, after_applying=True)
    sender = subprocess.Popen(
        [sys.executable, "-m", "binfolio", "export", "sheets"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: len(google.rows(SPREADSHEET, WORKSHEET)) == 3, 30)
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    assert store.repo.counts().pending == 2  # the kill came before the rows were marked sent

    again = binfolio(tmp_path, env, "export", "sheets")

    assert again.returncode == 0, again.stderr
    assert "0 rows appended, 2 were in the sheet already, 0 pending" in again.stdout
    rows = google.rows(SPREADSHEET, WORKSHEET)
    assert [r[1] for r in rows] == ["Account", "main", "side"]
    assert google.count("append") == 1


def test_bad_credentials_exit_1_with_the_fix_and_the_rows_stay_pending(
    google: FakeGoogle, tmp_path: Path
) -> None:
    url = migrated_sqlite(tmp_path)
    store = open_store(url)
    add_run(store, {"main": "100"})
    stranger = google.write_key(tmp_path / "old.json", registered=False)

    result = binfolio(
        tmp_path, environment(tmp_path, url, sheets_env(google, stranger)), "export", "sheets"
    )

    assert result.returncode == 1
    assert "Google refused the service account's key (invalid_grant" in result.stderr
    assert "fix: the key may be revoked or deleted: create a new JSON key for" in result.stderr
    assert "0 rows appended, 1 pending" in result.stderr
    assert store.repo.counts().pending == 1


def test_export_sheets_with_export_off_exits_2_saying_what_to_set(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path)

    result = binfolio(tmp_path, environment(tmp_path, url, {}), "export", "sheets")

    assert result.returncode == 2
    assert "Sheets export is off: set sheets.spreadsheet_id (or GOOGLE_SPREADSHEET_ID)" in (
        result.stderr
    )


def test_snapshot_with_sheets_configured_appends_its_rows_without_a_resync(
    simulator: SimulatorHandle, google: FakeGoogle, key_file: Path, tmp_path: Path
) -> None:
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    creds = simulator.create_account("main", balances={"spot": {"USDT": "1000", "BTC": "0.5"}})
    url = migrated_sqlite(tmp_path)
    env = environment(
        tmp_path,
        url,
        {
            "BINANCE_API_KEY": creds.api_key,
            "BINANCE_API_SECRET": creds.api_secret,
            "BINFOLIO_BINANCE__BASE_URL": simulator.base_url,
            "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator.base_url,
        }
        | sheets_env(google, key_file),
    )

    first = binfolio(tmp_path, env, "snapshot", "--json")
    google.fail("append", status=500, times=3)  # a Google outage for the second run's send
    second = binfolio(tmp_path, env, "snapshot", "--json")
    after_outage = google.rows(SPREADSHEET, WORKSHEET)
    third = binfolio(tmp_path, env, "snapshot", "--json")

    assert (first.returncode, second.returncode, third.returncode) == (0, 0, 0), second.stderr
    run_ids = [json.loads(r.stdout)["run_id"] for r in (first, second, third)]
    # The outage cost nothing: the second run's row waited and went with the third's.
    assert [r[9] for r in after_outage[1:]] == run_ids[:1]
    assert [r[9] for r in google.rows(SPREADSHEET, WORKSHEET)[1:]] == run_ids

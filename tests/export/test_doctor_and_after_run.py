"""`binfolio doctor`'s Sheets checks and the after-run entry point, against the fake Google."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from binfolio.config import Settings, SheetsSettings
from binfolio.services.doctor.results import CheckStatus
from binfolio.services.export.doctor import check_sheets
from binfolio.services.export.rows import SHEET_HEADER
from binfolio.services.export.sheets import export_after_run, send_now
from tests.export.support import (
    SPREADSHEET,
    WORKSHEET,
    Store,
    add_run,
    fast_policy,
    sheets_settings,
)
from tests.fakes.google_sheets import FakeGoogle


def settings_with(sheets: SheetsSettings) -> Settings:
    return Settings.model_validate({"sheets": sheets.model_dump()})


def test_doctor_checks_key_token_spreadsheet_and_worksheet(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    sheets = sheets_settings(google, key_file)
    add_run(sqlite_store, {"main": "1"})

    missing = check_sheets(settings_with(sheets))
    send_now(sheets, sqlite_store.repo, policy=fast_policy())  # creates the worksheet
    present = check_sheets(settings_with(sheets))

    assert [r.status for r in missing] == [CheckStatus.OK, CheckStatus.OK, CheckStatus.WARN]
    assert "the first export creates it" in missing[2].fix
    assert [r.status for r in present] == [CheckStatus.OK] * 3
    assert "token for binfolio-export@" in present[1].message
    assert present[2].message == f"worksheet {WORKSHEET!r} has the header row"
    assert google.rows(SPREADSHEET, WORKSHEET)[0] == list(SHEET_HEADER)


def test_doctor_fails_with_the_fix_when_google_refuses_the_key(
    google: FakeGoogle, tmp_path: Path
) -> None:
    stranger = google.write_key(tmp_path / "old.json", registered=False)

    results = check_sheets(settings_with(sheets_settings(google, stranger)))

    assert results[-1].status is CheckStatus.FAIL
    assert "Google refused the service account's key" in results[-1].message
    assert "create a new JSON key" in results[-1].fix


def test_doctor_names_a_missing_key_file_and_says_nothing_when_export_is_off(
    google: FakeGoogle, tmp_path: Path
) -> None:
    gone = check_sheets(settings_with(sheets_settings(google, tmp_path / "nope.json")))
    off = check_sheets(Settings())

    assert gone[0].status is CheckStatus.FAIL
    assert "does not exist" in gone[0].message
    assert "sheets.service_account_path" in gone[0].fix
    assert [(r.status, r.message) for r in off] == [
        (CheckStatus.OK, "export off (sheets.spreadsheet_id is not set)")
    ]
    assert google.calls == []


async def test_after_a_run_rows_go_without_blocking_the_loop_and_errors_never_raise(
    google: FakeGoogle, key_file: Path, sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    add_run(sqlite_store, {"main": "1"})
    google.fail("get", 500, times=3)

    failed = await export_after_run(
        sheets_settings(google, key_file), sqlite_store.repo, policy=fast_policy()
    )
    sent = await export_after_run(
        sheets_settings(google, key_file), sqlite_store.repo, policy=fast_policy()
    )
    off = await export_after_run(SheetsSettings(), sqlite_store.repo)

    assert failed is not None
    assert failed.error is not None
    assert failed.pending == 1
    assert sent is not None
    assert sent.sent == 1
    assert off is None
    assert "1 rows stay pending" in caplog.text


async def test_after_a_run_a_broken_outbox_is_logged_not_raised(
    google: FakeGoogle, key_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.export.support import open_store

    unmigrated = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    caplog.set_level(logging.ERROR)

    report = await export_after_run(sheets_settings(google, key_file), unmigrated.repo)

    assert report is None
    assert "Sheets export failed; rows stay pending for the next run" in caplog.text

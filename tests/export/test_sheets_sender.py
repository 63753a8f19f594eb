"""Sending the outbox to the fake Google over real HTTP: rows exactly once, in order."""

from __future__ import annotations

from pathlib import Path

from binfolio.adapters.sheets.errors import SheetsSetupError, SheetsUnavailableError
from binfolio.adapters.storage.export_repo import ExportRepository
from binfolio.services.export.rows import SHEET_HEADER
from binfolio.services.export.sheets import send_now
from tests.export.support import (
    SPREADSHEET,
    WORKSHEET,
    Sleeps,
    Store,
    add_run,
    fast_policy,
    sheets_settings,
)
from tests.fakes.google_sheets import FakeGoogle


def sheet_rows(google: FakeGoogle) -> list[list[str]]:
    return google.rows(SPREADSHEET, WORKSHEET)


def test_first_send_creates_the_worksheet_with_the_header_and_appends_one_row_per_account(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    run_id = add_run(sqlite_store, {"main": "10250.4", "-alt": "99.999"})

    report = send_now(sheets_settings(google, key_file), sqlite_store.repo, policy=fast_policy())

    rows = sheet_rows(google)
    assert rows[0] == list(SHEET_HEADER)
    assert [row[1] for row in rows[1:]] == ["'-alt", "main"]  # name order; "-" neutralised
    assert rows[2][0] == "2026-11-30T12:00:06Z"
    assert rows[2][2] == "10250.40"
    assert rows[1][2] == "100.00"
    assert {row[9] for row in rows[1:]} == {run_id}
    assert report.sent == 2
    assert report.pending == 0
    assert google.count("token") == 1
    assert google.count("append") == 2  # the header when creating the worksheet, then the rows


def test_an_outage_across_three_runs_ends_with_every_row_once_in_order(
    google: FakeGoogle, key_file: Path, store: Store
) -> None:
    settings = sheets_settings(google, key_file)
    sleeps = Sleeps()
    # Run 1: the spreadsheet itself is unavailable; run 2: appends fail; run 3: reads are
    # rate limited. Each send tries three times, then leaves its rows pending.
    outages = [("get", 503, None), ("append", 500, None), ("values_get", 429, 1.5)]
    for number, (kind, status, retry_after) in enumerate(outages, start=1):
        add_run(store, {"main": f"{1000 + number}", "side": f"{2000 + number}"})
        google.fail(kind, status, times=3, retry_after_s=retry_after)

        report = send_now(settings, store.repo, policy=fast_policy(sleeps))

        assert isinstance(report.error, SheetsUnavailableError)
        assert report.pending == 2 * number
        assert report.sent == 0
    assert all(wait >= 1.5 for wait in sleeps.waits[-2:])  # Retry-After honoured
    add_run(store, {"main": "1004", "side": "2004"})

    report = send_now(settings, store.repo, policy=fast_policy(sleeps))

    rows = sheet_rows(google)
    assert rows[0] == list(SHEET_HEADER)
    assert [(row[1], row[2], row[9]) for row in rows[1:]] == [
        (name, f"{base + number}.00", store.runs[number - 1])
        for number in range(1, 5)
        for name, base in (("main", 1000), ("side", 2000))
    ]
    assert (report.sent, report.pending, report.error) == (8, 0, None)
    # Run 2's three failed tries (the first was the new worksheet's header), then one append:
    # the header in front of every row, since the worksheet was still empty.
    assert google.count("append") == 3 + 1


def test_an_append_that_landed_but_timed_out_is_not_appended_again(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    settings = sheets_settings(google, key_file, timeout_s=1.5)
    add_run(sqlite_store, {"main": "100"})
    send_now(settings, sqlite_store.repo, policy=fast_policy())
    add_run(sqlite_store, {"main": "101", "side": "201"})
    # Google applies the append, but its answer never reaches us before the timeout.
    google.hang("append", 4, after_applying=True)

    report = send_now(settings, sqlite_store.repo, policy=fast_policy())

    run_ids = [row[9] for row in sheet_rows(google)[1:]]
    assert run_ids == [sqlite_store.runs[0], sqlite_store.runs[1], sqlite_store.runs[1]]
    assert (report.sent, report.already_there, report.pending) == (0, 2, 0)
    assert google.count("values_get") == 3  # before each of the two sends' appends, and the retry


def test_bad_credentials_name_the_fix_and_leave_the_rows_pending(
    google: FakeGoogle, tmp_path: Path, sqlite_store: Store
) -> None:
    stranger = google.write_key(tmp_path / "old-key.json", registered=False)
    add_run(sqlite_store, {"main": "100"})

    report = send_now(sheets_settings(google, stranger), sqlite_store.repo, policy=fast_policy())

    assert isinstance(report.error, SheetsSetupError)
    assert "Google refused the service account's key (invalid_grant" in report.error.message
    assert "create a new JSON key for binfolio-export@" in report.error.fix
    assert report.pending == 1
    assert google.count("token") == 1  # refused for good: not retried
    assert google.count("get") == 0
    assert sqlite_store.repo.counts().sent == 0


def test_a_key_file_others_can_read_is_refused_before_any_request(
    google: FakeGoogle, tmp_path: Path, sqlite_store: Store
) -> None:
    key = google.write_key(tmp_path / "key.json", mode=0o644)
    add_run(sqlite_store, {"main": "100"})

    report = send_now(sheets_settings(google, key), sqlite_store.repo, policy=fast_policy())

    assert isinstance(report.error, SheetsSetupError)
    assert "readable by group or others (mode 0644)" in report.error.message
    assert report.error.fix == f"chmod 600 {key}"
    assert google.calls == []
    assert report.pending == 1


def test_a_spreadsheet_not_shared_with_the_service_account_says_whom_to_share_it_with(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    google.add_spreadsheet("private", "Sheet1", shared=False)
    add_run(sqlite_store, {"main": "100"})

    report = send_now(
        sheets_settings(google, key_file, spreadsheet_id="private"),
        sqlite_store.repo,
        policy=fast_policy(),
    )

    assert isinstance(report.error, SheetsSetupError)
    assert "no access to spreadsheet private (403)" in report.error.message
    assert "share the spreadsheet with binfolio-export@" in report.error.fix
    assert google.count("get") == 1


def test_a_hanging_token_endpoint_times_out_and_is_retried(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    google.hang("token", 4, times=1)
    add_run(sqlite_store, {"main": "100"})
    sleeps = Sleeps()

    report = send_now(
        sheets_settings(google, key_file, timeout_s=1.5),
        sqlite_store.repo,
        policy=fast_policy(sleeps),
    )

    assert report.error is None
    assert report.sent == 1
    assert sleeps.waits == [0.5]
    assert google.count("token") == 2


def test_a_retry_after_longer_than_we_wait_ends_the_send_at_once(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    google.fail("get", 429, times=5, retry_after_s=300)
    add_run(sqlite_store, {"main": "100"})
    sleeps = Sleeps()

    report = send_now(
        sheets_settings(google, key_file), sqlite_store.repo, policy=fast_policy(sleeps)
    )

    assert isinstance(report.error, SheetsUnavailableError)
    assert report.error.retry_after_s == 300  # type: ignore[attr-defined]
    assert sleeps.waits == []
    assert google.count("get") == 1
    assert report.pending == 1


def test_a_second_sender_while_one_is_sending_appends_nothing(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    add_run(sqlite_store, {"main": "100"})
    other = ExportRepository(sqlite_store.factory)
    assert other.acquire_sender_lock()
    try:
        report = send_now(
            sheets_settings(google, key_file), sqlite_store.repo, policy=fast_policy()
        )
    finally:
        other.release_sender_lock()

    assert report.busy
    assert report.pending == 1
    assert google.calls == []
    assert send_now(sheets_settings(google, key_file), sqlite_store.repo).sent == 1


def test_wide_mode_adds_a_column_per_asset_and_keeps_earlier_columns_in_place(
    google: FakeGoogle, key_file: Path, sqlite_store: Store
) -> None:
    settings = sheets_settings(google, key_file, wide=True)
    add_run(sqlite_store, {"main": "3000"}, holdings={"main": {"ETH": "1000", "BTC": "2000"}})
    send_now(settings, sqlite_store.repo, policy=fast_policy())
    add_run(sqlite_store, {"main": "3500"}, holdings={"main": {"BTC": "2500", "ADA": "1000"}})

    send_now(settings, sqlite_store.repo, policy=fast_policy())

    header, first, second = sheet_rows(google)
    assert header == [*SHEET_HEADER, "BTC", "ETH", "ADA"]
    assert first[10:] == ["2000.00", "1000.00"]
    assert second[10:] == ["2500.00", "", "1000.00"]
    assert second[8] == "BTC: 2500.00; ADA: 1000.00"

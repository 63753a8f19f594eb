"""Send the outbox to Google Sheets: render, freeze, check the Run IDs, append, mark sent.

One send: take the sender's lock (one sender at a time across processes); render the rows of
finished runs not rendered yet and freeze their cells; then for each batch of pending rows
(whole runs, oldest first): read the sheet's Run ID column, mark rows already there as sent (a
crash after Google took an append but before we marked it), append the rest in one request,
mark them sent. A transient failure is retried up to ``attempts`` times with exponential
backoff, never sooner than Google's Retry-After; each retry reads the Run IDs again, because a
timed-out append may have landed. Rows that still fail stay pending for the next run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)
from tenacity.stop import stop_base

from binfolio.adapters.sheets.errors import (
    SheetsError,
    SheetsRateLimitedError,
    SheetsUnavailableError,
)
from binfolio.domain.clock import Clock, utc_now
from binfolio.services.export.ports import OutboxStore, PendingRow, Sheet
from binfolio.services.export.rows import SHEET_HEADER, render_row, wide_cells, wide_layout

log = logging.getLogger(__name__)

SheetOpener = Callable[[], Sheet]
"""Opens the worksheet (token, spreadsheet, worksheet created if missing)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one batch is tried.

    Google's quota is 60 requests a minute per user: a 429's Retry-After is honoured, but one
    over ``max_wait_s`` ends the send (the rows go with the next run) rather than holding it.
    """

    attempts: int = 3
    backoff_initial_s: float = 2.0
    backoff_max_s: float = 30.0
    max_wait_s: float = 60.0
    # No new try once a batch has taken this long: a hanging Google must not hold a run's
    # command for minutes (each request is bounded by sheets.timeout_s as well).
    deadline_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep


@dataclass
class SendReport:
    """What one send did."""

    sent: int = 0
    already_there: int = 0
    pending: int = 0
    busy: bool = False
    error: SheetsError | None = None
    messages: list[str] = field(default_factory=list)


RENDER_BATCH = 500
SEND_BATCH = 500


def send_pending(
    store: OutboxStore,
    open_sheet: SheetOpener,
    *,
    wide: bool = False,
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> SendReport:
    """Send every pending row; never raises for Google's or the network's failures.

    Raises:
        Exception: database errors only (the outbox itself is unreachable).
    """
    policy = policy or RetryPolicy()
    report = SendReport()
    if not store.acquire_sender_lock():
        report.busy = True
        report.messages.append("another binfolio process is sending; rows stay pending")
        report.pending = store.counts().pending
        return report
    try:
        _render_all(store, clock)
        batch = store.pending(SEND_BATCH)
        if batch:
            _send_batches(store, open_sheet, batch, wide, policy, clock, report)
    finally:
        store.release_sender_lock()
    report.pending = store.counts().pending
    return report


def _render_all(store: OutboxStore, clock: Clock) -> None:
    while sources := store.unrendered(RENDER_BATCH):
        store.freeze([render_row(source) for source in sources], clock())


def _send_batches(
    store: OutboxStore,
    open_sheet: SheetOpener,
    batch: list[PendingRow],
    wide: bool,
    policy: RetryPolicy,
    clock: Clock,
    report: SendReport,
) -> None:
    sheet: Sheet | None = None
    known: set[str] | None = None  # Run IDs in the sheet; None: read them before appending
    while batch:
        ids = [row.outbox_id for row in batch]
        try:
            for attempt in _retrying(policy):
                with attempt:
                    if sheet is None:
                        sheet = open_sheet()
                    if known is None or attempt.retry_state.attempt_number > 1:
                        known = set(sheet.run_ids())
                    appended = _append_new(store, sheet, batch, known, wide, clock, report)
                    known.update(appended)
        except SheetsError as exc:
            store.note_error(ids, str(exc))
            report.error = exc
            log.warning("Sheets export: %d rows stay pending: %s", len(batch), exc)
            return
        batch = store.pending(SEND_BATCH)


def _append_new(
    store: OutboxStore,
    sheet: Sheet,
    batch: Sequence[PendingRow],
    known: set[str],
    wide: bool,
    clock: Clock,
    report: SendReport,
) -> set[str]:
    """Append the rows whose run is not in the sheet yet; returns the Run IDs appended."""
    there = [row.outbox_id for row in batch if row.run_id in known]
    if there:
        store.mark_sent(there, clock())
        report.already_there += len(there)
        log.info("Sheets export: %d rows were in the sheet already, marked sent", len(there))
    new = [row for row in batch if row.run_id not in known]
    if not new:
        return set()
    cells = [row.cells for row in new]
    if wide:
        cells = _widen(sheet, new, bool(known))
    if not known:  # an empty worksheet (created by hand): the header goes first
        cells = [list(SHEET_HEADER), *cells]
    new_ids = [row.outbox_id for row in new]
    # Counted before the request goes out, so the outbox shows which rows may have landed
    # after a crash; the Run ID check above is what decides.
    store.note_attempt(new_ids)
    sheet.append(cells)
    store.mark_sent(new_ids, clock())
    report.sent += len(new)
    return {row.run_id for row in new}


def _widen(sheet: Sheet, rows: Sequence[PendingRow], has_header: bool) -> list[list[str]]:
    """Rows with their asset columns; new assets are added to the header first."""
    header = sheet.header() if has_header else list(SHEET_HEADER)
    assets = wide_layout(header, [row.asset_values for row in rows])
    wanted = [*SHEET_HEADER, *assets]
    if has_header and header != wanted:
        sheet.write_header(wanted)
    return [wide_cells(row.cells, row.asset_values, assets) for row in rows]


def _retrying(policy: RetryPolicy) -> Retrying:
    return Retrying(
        stop=(
            stop_after_attempt(policy.attempts)
            | stop_after_delay(policy.deadline_s)
            | _WaitTooLong(policy.max_wait_s)
        ),
        wait=_wait(policy),
        retry=retry_if_exception_type(SheetsUnavailableError),
        sleep=policy.sleep,
        reraise=True,
        before_sleep=_log_retry,
    )


def _retry_after(state: RetryCallState) -> float | None:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, SheetsRateLimitedError):
        return error.retry_after_s
    return None


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        backoff = min(
            policy.backoff_max_s, policy.backoff_initial_s * 2.0 ** (state.attempt_number - 1)
        )
        return max(backoff, _retry_after(state) or 0.0)

    return wait


class _WaitTooLong(stop_base):
    """Stop when Google asks for a longer wait than we hold a send for."""

    def __init__(self, max_wait_s: float) -> None:
        self.max_wait_s = max_wait_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        retry_after = _retry_after(retry_state)
        return retry_after is not None and retry_after > self.max_wait_s


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "Sheets export: try %d failed (%s); again in %.1f s", state.attempt_number, error, wait
    )


def describe(report: SendReport) -> str:
    """One line for a person."""
    if report.busy:
        return report.messages[0]
    parts = [f"{report.sent} rows appended"]
    if report.already_there:
        parts.append(f"{report.already_there} were in the sheet already")
    parts.append(f"{report.pending} pending")
    return ", ".join(parts)

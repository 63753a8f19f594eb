"""The Sheets export's entry points: after a run (async, never raising), now, and resync.

Exporting is on when ``sheets.spreadsheet_id`` is set. The collector queues one outbox row per
account inside each snapshot transaction (``adapters.storage.export_repo.enqueue_run_rows``);
these functions send what is queued.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from binfolio.domain.clock import Clock, utc_now
from binfolio.services.export.ports import OutboxStore, Sheet
from binfolio.services.export.rows import SHEET_HEADER
from binfolio.services.export.sender import RetryPolicy, SendReport, SheetOpener, send_pending

if TYPE_CHECKING:
    from binfolio.config import SheetsSettings

log = logging.getLogger(__name__)


def sheet_opener(settings: SheetsSettings) -> SheetOpener:
    """Opens the configured worksheet over gspread (imported on use: it is slow to import)."""

    def open_sheet() -> Sheet:
        from binfolio.adapters.sheets.client import GoogleSheet

        return GoogleSheet.open(settings, SHEET_HEADER)

    return open_sheet


def send_now(
    settings: SheetsSettings,
    store: OutboxStore,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> SendReport:
    """Send every pending row now (blocking).

    Raises:
        Exception: database errors only; Google's failures are in the report.
    """
    return send_pending(
        store, sheet_opener(settings), wide=settings.wide, policy=policy, clock=clock
    )


async def export_after_run(
    settings: SheetsSettings,
    store: OutboxStore,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> SendReport | None:
    """Send the pending rows after a run, off the event loop; never raises.

    Call it after the run is finished (``finish_run``): rows of a run still running wait.
    Returns None when export is off or the send failed unexpectedly (logged; the rows stay
    pending and go with the next run).
    """
    if not settings.enabled:
        return None
    try:
        return await asyncio.to_thread(send_now, settings, store, policy=policy, clock=clock)
    except Exception:  # the snapshot is saved; a broken export must never fail the run
        log.exception("Sheets export failed; rows stay pending for the next run")
        return None


def resync(
    settings: SheetsSettings,
    store: OutboxStore,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> tuple[int, SendReport]:
    """Queue every run that has no outbox rows (taken before export was on), then send all.

    Rows already in the sheet are recognised by their Run ID and not appended again.

    Returns:
        (rows newly queued, the send report).

    Raises:
        Exception: database errors only.
    """
    queued = store.enqueue_missing(clock())
    return queued, send_now(settings, store, policy=policy, clock=clock)

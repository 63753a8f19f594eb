"""`binfolio export csv` and `binfolio export sheets`: thin shells over services/export.

Exit codes: 0 done; 1 rows stay pending (Google failed; the message names the fix); 2 bad
options or configuration.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    console,
    err_console,
    opened,
    require_schema,
)

if TYPE_CHECKING:
    from binfolio.services.export.ports import CsvTable

export_app = typer.Typer(
    help="Export snapshots and runs to CSV, or send pending rows to Google Sheets.",
    no_args_is_help=True,
)


class What(StrEnum):
    """The tables ``export csv`` can write."""

    SNAPSHOTS = "snapshots"
    ASSETS = "assets"
    FLOWS = "flows"
    BENCHMARK = "benchmark"
    RUNS = "runs"
    SIGNALS = "signals"
    TRADES = "trades"


@export_app.command("csv")
def export_csv(
    ctx: typer.Context,
    what: What = typer.Option(..., "--what", help="Which table to export.", case_sensitive=False),
    account: str | None = typer.Option(None, "--account", help="Only this account."),
    since: str | None = typer.Option(
        None, "--since", help="From this date (2026-01-01) or ISO time (UTC), inclusive."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Up to this date (that whole day) or ISO time, exclusive."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write to this file (replaced when complete). Default: stdout."
    ),
) -> None:
    """Write one table as CSV: exact decimals, UTC times with Z, formulas neutralised."""
    from binfolio.adapters.storage.export_csv import (
        CsvExportRepository,
        CsvFilter,
        TableMissingError,
    )
    from binfolio.domain.periods import PeriodError, parse_moment
    from binfolio.errors import UnknownAccountError

    try:
        where = CsvFilter(
            account=account,
            since=parse_moment(since) if since else None,
            until=parse_moment(until, end_of_day=True) if until else None,
        )
    except PeriodError as exc:
        err_console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    if account is not None and what in {What.SIGNALS, What.TRADES}:
        err_console.print(f"[yellow]![/] --account does not apply to {what.value}; ignored")
        where = CsvFilter(since=where.since, until=where.until)
    with opened(ctx, log_to_file=False) as app:
        require_schema(app)
        try:
            table = CsvExportRepository(app.session_factory).table(what.value, where)
        except UnknownAccountError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_CONFIG) from None
        except TableMissingError as exc:
            err_console.print(
                f"[yellow]![/] {escape(str(exc))}; the export is empty", highlight=False
            )
            if out is not None:
                out.write_text("", encoding="utf-8")
            raise typer.Exit(EXIT_OK) from None
        count = _write(table, out)
    if out is not None:
        err_console.print(f"[green]✓[/] {count} {what.value} rows → {out}", highlight=False)


def _write(table: CsvTable, out: Path | None) -> int:
    """Stream ``table`` to ``out`` (through a temporary file, renamed at the end) or stdout."""
    import os
    import sys

    from binfolio.services.export.csv_export import write_csv

    if out is None:
        return write_csv(table, sys.stdout)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            count = write_csv(table, handle)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return count


@export_app.command("sheets")
def export_sheets(
    ctx: typer.Context,
    resync: bool = typer.Option(
        False,
        "--resync",
        help="Also queue every run that has no row yet (taken before export was on). Rows "
        "already in the sheet are recognised by their Run ID and not appended twice.",
    ),
) -> None:
    """Send the rows waiting for Google Sheets now (each run also sends them by itself)."""
    from binfolio.adapters.storage.export_repo import ExportRepository
    from binfolio.services.export import sheets as export
    from binfolio.services.export.sender import describe

    with opened(ctx) as app:
        require_schema(app)
        settings = app.settings.sheets
        if not settings.enabled:
            err_console.print(
                "[red]✗[/] Sheets export is off: set sheets.spreadsheet_id (or "
                "GOOGLE_SPREADSHEET_ID) and sheets.service_account_path",
                highlight=False,
            )
            raise typer.Exit(EXIT_CONFIG)
        store = ExportRepository(app.session_factory)
        if resync:
            queued, report = export.resync(settings, store)
            console.print(f"{queued} rows queued for runs that had none", highlight=False)
        else:
            report = export.send_now(settings, store)
    if report.error is not None:
        err_console.print(f"[red]✗[/] {escape(report.error.message)}", highlight=False)
        err_console.print(f"  fix: {report.error.fix}", markup=False, highlight=False)
        err_console.print(f"  {escape(describe(report))}", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED)
    console.print(f"[green]✓[/] {escape(describe(report))}", highlight=False)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add `export csv` and `export sheets` to the root command."""
    app.add_typer(export_app, name="export")

"""`binfolio health`: exit 0 when every account's last complete snapshot is fresh, else 1.

Fresh means fewer than ``alerts.stale_after_intervals`` (2) slots of ``collector.schedule_cron``
have passed since it (see ``services/schedule/health.py``). Also shown: each account's age and
circuit, and the next run the live ``binfolio serve`` collectors announced. Exit 2 on a
configuration or database problem.
"""

from __future__ import annotations

from datetime import timedelta
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
    from binfolio.bootstrap import App
    from binfolio.services.schedule.health import HealthReport


def read_health(app: App) -> HealthReport:
    """The health report of ``app``'s accounts (blocking database reads).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: when the database cannot be read.
    """
    from binfolio.adapters.storage.schedule_repo import ScheduleRepo
    from binfolio.domain.clock import utc_now
    from binfolio.services.accounts.registry import list_accounts
    from binfolio.services.schedule.cron import Schedule
    from binfolio.services.schedule.health import check_health

    settings = app.settings
    listings = list_accounts(settings, app.storage.accounts, app.environ)
    return check_health(
        ScheduleRepo(app.session_factory),
        [listing.name for listing in listings],
        Schedule(settings.collector.schedule_cron),
        utc_now(),
        grace=timedelta(seconds=settings.collector.deadline_s),
        stale_after_intervals=settings.alerts.stale_after_intervals,
    )


def health(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Exit 0 if every account's last complete snapshot is fresh, else 1 with the reason."""
    from binfolio.adapters.storage.runner import storage_errors
    from binfolio.errors import StorageError

    with opened(ctx, log_to_file=False) as app:
        require_schema(app)
        try:
            with storage_errors():
                report = read_health(app)
        except StorageError as exc:
            err_console.print(f"[red]✗[/] cannot read the database: {type(exc).__name__}")
            raise typer.Exit(EXIT_CONFIG) from None
    if as_json:
        import json

        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print(report)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)


def _print(report: HealthReport) -> None:
    now = report.checked_at
    for account in report.accounts:
        mark = "[green]✓[/]" if account.fresh else "[red]✗[/]"
        age = account.age_s(now)
        when = "never" if age is None else f"{_human(age)} ago"
        circuit = f", circuit {account.circuit}" if account.circuit else ""
        console.print(f"{mark} {account.account}: last complete snapshot {when}{circuit}")
    next_run = report.next_run_at
    if next_run is not None:
        console.print(f"next run {next_run:%Y-%m-%d %H:%M:%S} UTC ({report.schedule_cron})")
    else:
        console.print(f"no `binfolio serve` collector running (schedule {report.schedule_cron})")
    for reason in report.reasons:
        err_console.print(f"[red]✗[/] {escape(str(reason))}", highlight=False)
    if report.ok:
        console.print("[green]healthy[/]")


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def register(app: typer.Typer) -> None:
    """Add `health` to the root command."""
    app.command("health")(health)

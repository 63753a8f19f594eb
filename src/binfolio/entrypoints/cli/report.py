"""`binfolio report` and `binfolio benchmark rebuild`: thin shells over the report services."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    console,
    err_console,
    opened,
    require_schema,
)

if TYPE_CHECKING:
    from rich.console import Console

    from binfolio.bootstrap import App
    from binfolio.services.benchmark.update import BenchmarkUpdate
    from binfolio.services.report.figures import Report


class Format(StrEnum):
    """What `binfolio report` prints."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class Preset(StrEnum):
    """The `--period` presets (``domain.periods``)."""

    H24 = "24h"
    D7 = "7d"
    D30 = "30d"
    D90 = "90d"
    YTD = "ytd"
    Y1 = "1y"
    ALL = "all"


COLUMNS = (
    "NAV",
    "Benchmark",
    "Excess",
    "Excess %",
    "Net flows",
    "TWR",
    "Bench TWR",
    "Alpha",
    "Max DD",
    "Vol.",
    "Sharpe",
)

benchmark_app = typer.Typer(help="The money-matched benchmark.", no_args_is_help=True)


def report(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="Only this account (and 'all')."),
    since: str | None = typer.Option(
        None, "--since", help="Start: 2026-01-01 or an ISO time (UTC)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="End: a date (that whole day) or an ISO time; default now."
    ),
    period: Preset | None = typer.Option(None, "--period", help="A preset instead of --since."),
    output: Format = typer.Option(Format.TABLE, "--format", help="How to print the report."),
) -> None:
    """NAV against the money-matched benchmark, with TWR, alpha, drawdown, volatility, Sharpe."""
    from binfolio.domain.clock import utc_now
    from binfolio.domain.periods import PeriodError, resolve
    from binfolio.errors import UnknownAccountError
    from binfolio.services.report.figures import build_report
    from binfolio.services.report.render import report_csv, report_json

    try:
        chosen = resolve(preset=period, since=since, until=until, now=utc_now())
    except PeriodError as exc:
        err_console.print(f"[red]✗[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIG) from None
    with opened(ctx, log_to_file=False) as app:
        require_schema(app)
        try:
            with app.storage.report_source() as source:
                result = build_report(source, chosen, account)
        except UnknownAccountError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_CONFIG) from None
    if output == "json":
        import json

        typer.echo(json.dumps(report_json(result), indent=2))
    elif output == "csv":
        typer.echo(report_csv(result), nl=False)
    else:
        print_table(result, console)


@benchmark_app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="Only this account."),
) -> None:
    """Recompute the benchmark from the first complete snapshot, the ledger and stored prices.

    Missing 1-minute closes are fetched from the configured Binance base URL (public data).
    """
    with opened(ctx) as app:
        require_schema(app)
        updates, errors = asyncio.run(_rebuild(app, account))
    if not updates and not errors:
        named = f" named {account!r}" if account else ""
        err_console.print(f"[red]✗[/] no collected account{named} to rebuild")
        raise typer.Exit(EXIT_CONFIG)
    for name, error in errors.items():
        err_console.print(f"[red]✗[/] {name}: {escape(str(error))}", highlight=False)
    for name, update in updates.items():
        if update.failed:
            console.print(f"[red]✗[/] {name}: benchmark not started")
        else:
            waiting = update.waiting_since
            note = f"; waiting for prices from {waiting.isoformat()}" if waiting else ""
            console.print(f"[green]✓[/] {name}: start + {update.applied} events{escape(str(note))}")
        for warning in update.warnings:
            console.print(f"  [yellow]![/] {escape(str(warning))}", highlight=False)
    failed = errors or any(u.failed for u in updates.values())
    raise typer.Exit(EXIT_FAILED if failed else 0)


async def _rebuild(app: App, only: str | None) -> tuple[dict[str, BenchmarkUpdate], dict[str, str]]:
    """Rebuild each account; an account whose prices cannot be fetched is reported, not raised."""
    from binfolio.adapters.binance.errors import BinanceError
    from binfolio.services.benchmark.update import basket_spec, update_benchmark

    settings, storage = app.settings, app.storage
    configured = {a.name: a for a in settings.accounts}
    accounts = await storage.db.call(storage.collected_accounts, only)
    updates: dict[str, BenchmarkUpdate] = {}
    errors: dict[str, str] = {}
    async with app.exchange(1) as exchange:
        for account_id, name in accounts:
            account = configured.get(name)
            spec = basket_spec(settings.benchmark_for(account) if account else settings.benchmark)
            try:
                updates[name] = await update_benchmark(
                    storage,
                    account_id=account_id,
                    spec=spec,
                    klines=exchange.market,
                    rebuild=True,
                )
            except BinanceError as exc:
                errors[name] = (
                    f"cannot fetch 1-minute prices from {settings.binance.base_url}: {exc}; "
                    "the stored benchmark is unchanged"
                )
    return updates, errors


def print_table(result: Report, out: Console) -> None:
    """The report as a rich table: Excess and Alpha green when beating the benchmark."""
    from binfolio.entrypoints.cli.tables import FigureTable, fitted
    from binfolio.services.report.render import line_json

    since = f"{result.since:%Y-%m-%d %H:%M}" if result.since else "first snapshot"
    rows = []
    for line in result.lines:
        entry = line_json(line)
        cells = [
            _cell(entry["nav"]),
            _cell(entry["benchmark_value"]),
            _versus(entry["excess_usdt"], _cell(entry["excess_usdt"])),
            _versus(entry["excess_pct"], _pct(entry["excess_pct"])),
            _cell(entry["net_flows_usdt"]),
            _pct(entry["twr"]),
            _pct(entry["benchmark_twr"]),
            _versus(entry["alpha"], _pct(entry["alpha"])),
            _pct(entry["max_drawdown"]),
            _pct(entry["volatility"]),
            _cell(entry["sharpe"], digits=2),
        ]
        rows.append((f"[bold]{line.account}[/]" if line.account == "all" else line.account, cells))
    figures = FigureTable(
        title=f"NAV against the benchmark, {since} → {result.until:%Y-%m-%d %H:%M} UTC",
        key_header="Account",
        headers=COLUMNS,
        rows=rows,
    )
    table = fitted(figures, out)
    out.print(table)
    for line in result.lines:
        for warning in line.warnings:
            out.print(f"[yellow]![/] {line.account}: {warning}", highlight=False)


def _versus(value: object, text: str) -> str:
    """Green when the account beats its benchmark by this figure, red when it trails."""
    if value is None:
        return text
    return f"[red]{text}[/]" if str(value).startswith("-") else f"[green]{text}[/]"


def _cell(value: object, digits: int | None = None) -> str:
    if value is None:
        return "–"
    if digits is not None:
        from decimal import Decimal

        return f"{Decimal(str(value)):.{digits}f}"
    return str(value)


def _pct(value: object) -> str:
    if value is None:
        return "–"
    from decimal import Decimal

    return f"{Decimal(str(value)) * 100:.2f}%"


def register(app: typer.Typer) -> None:
    """Add `report` and `benchmark rebuild` to the root command."""
    app.command("report")(report)
    app.add_typer(benchmark_app, name="benchmark")

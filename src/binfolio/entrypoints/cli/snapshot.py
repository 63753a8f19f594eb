"""`binfolio snapshot`: one collection run now, as a table or JSON (docs/architecture.md).

Exit codes: 0 every account complete, 1 any partial or failed, 2 bad configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    accounts_or_exit,
    console,
    err_console,
    opened,
    require_schema,
)

if TYPE_CHECKING:
    from decimal import Decimal

    from binfolio.bootstrap import App
    from binfolio.entrypoints.followups import Followups
    from binfolio.services.accounts.registry import ResolvedAccount
    from binfolio.services.collect.results import RunResult

log = logging.getLogger(__name__)

_STATUS_STYLE = {"complete": "green", "partial": "yellow", "failed": "red"}
# Beyond this many accounts the run prints counts and the total instead of a table.
MAX_TABLE_ROWS = 40


def snapshot(
    ctx: typer.Context,
    account: list[str] = typer.Option(
        [], "--account", help="Only this account (repeat for several). Default: all."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run as one JSON object."),
) -> None:
    """Take a snapshot of every wallet of every account now, value it, and store it."""
    import asyncio

    # httpx logs every request at INFO; the run's own summary says what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    # The run prints its own summary with one line per problem; the log lines (which repeat
    # them) go to the log file, and only errors beyond the run also reach the terminal.
    with opened(ctx, console_level="ERROR") as app:
        require_schema(app)
        accounts = accounts_or_exit(app, frozenset(account))
        if not accounts:
            err_console.print(
                "[red]✗[/] no accounts configured: add \\[\\[accounts]] to binfolio.toml, set "
                "BINANCE_API_KEY/BINANCE_API_SECRET, or run `binfolio accounts add NAME`"
            )
            raise typer.Exit(EXIT_CONFIG)
        followups = _followups(app)
        with _locked(app, accounts) as held:
            if not held:
                # Every account is being collected by another process right now: that run
                # stores this moment's snapshot; nothing is wrong (docs/service.md).
                raise typer.Exit(EXIT_OK)
            result = asyncio.run(_run(app, held, followups, progress=not as_json))
    if as_json:
        import json

        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        print_run_table(result)
    if result.banned:
        err_console.print(f"[bold red]✗ {escape(result.errors[0])}[/]", highlight=False)
    raise typer.Exit(EXIT_OK if result.all_complete else EXIT_FAILED)


@contextmanager
def _locked(app: App, accounts: list[ResolvedAccount]) -> Iterator[list[ResolvedAccount]]:
    """The accounts this run may collect: their run locks, taken for the run's duration.

    An account another process is collecting (``serve``, an overrunning cron job) is waited for
    up to ``collector.lock_wait_s``, then reported as "skipped: already running".
    """
    from binfolio.adapters.storage.locks import acquire_accounts, run_locks_for

    locks = run_locks_for(app.engine)
    names = [a.name for a in accounts]
    try:
        with acquire_accounts(locks, names, app.settings.collector.lock_wait_s) as grant:
            for name in grant.busy:
                err_console.print(f"{name}: skipped: already running", highlight=False)
            yield [a for a in accounts if a.name in grant.held]
    finally:
        locks.close()


def _followups(app: App) -> Followups:
    """The Sheets export and the alerts after the run, when configured."""
    from binfolio.adapters.notify import NotifierConfigError
    from binfolio.entrypoints.followups import build_followups

    try:
        return build_followups(app, breaker=False)
    except NotifierConfigError as exc:
        err_console.print(f"[red]✗[/] alerts.urls: {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIG) from None


async def _run(
    app: App, accounts: list[ResolvedAccount], followups: Followups, *, progress: bool
) -> RunResult:
    """The run, with a progress bar on a terminal (accounts done, waits on Binance's limits),
    then its exports and alerts."""
    from binfolio.entrypoints.cli.progress import RunProgress
    from binfolio.services.collect.job import snapshot_job

    try:
        async with app.exchange(len(accounts)) as exchange:
            with RunProgress(err_console, len(accounts), exchange, enabled=progress) as bar:
                result = await snapshot_job(
                    app.settings, accounts, app.storage, exchange, on_account=bar.account_done
                )
        for hook in followups.hooks:
            try:
                await hook(result)
            except Exception:  # the snapshot is stored; a follow-up must not undo that
                log.exception("after the run: %s failed", getattr(hook, "__name__", hook))
        return result
    finally:
        await followups.aclose()


def _money(value: Decimal | None) -> str:
    from binfolio.domain.money import shown

    return shown(value)


def print_run_table(result: RunResult) -> None:
    """The run as a rich table, then each account's errors and the run's counters."""
    from binfolio.domain.snapshot import WALLET_GROUPS
    from binfolio.entrypoints.cli.tables import FigureTable, fitted

    rows = []
    for account in result.accounts:
        style = _STATUS_STYLE[account.status.value]
        totals = account.wallet_totals
        cells = [
            f"[{style}]{account.status.value}[/]",
            _money(account.nav_usdt),
            *(_money(totals.get(g)) for g in WALLET_GROUPS),
            ", ".join(account.unpriced) or "—",
            f"{account.duration_ms / 1000:.2f} s",
        ]
        rows.append((account.account, cells))
    figures = FigureTable(
        title=f"binfolio snapshot {result.run_id[:8]} · {result.started_at:%Y-%m-%d %H:%M:%S} UTC",
        key_header="Account",
        headers=("Status", "NAV (USDT)", "Spot", "Funding", "Earn", "Futures", "Unpriced", "Time"),
        rows=rows,
        left_aligned=frozenset({"Status", "Unpriced"}),
    )
    if len(rows) <= MAX_TABLE_ROWS:
        console.print(fitted(figures, console))
    else:
        _print_summary(result)
    for account in result.accounts:
        # One line per account with a problem; tracebacks are in the log file only.
        for error in account.errors:
            console.print(
                f"  [yellow]![/] {account.account}: {escape(str(error))}", highlight=False
            )
    for note in result.limit_notes:
        console.print(f"  [cyan]⧗[/] {escape(str(note))}", highlight=False)
    console.print(
        f"{len(result.accounts)} account(s) in {result.duration_ms / 1000:.2f} s, "
        f"{result.requests} requests, weight {result.weight}.",
        highlight=False,
    )
    if result.limit_floor_s:
        console.print(
            f"Binance's per-IP weight limits allow this run no less than "
            f"{result.limit_floor_s:.0f} s (see docs/binance.md, 'Limits of one IP').",
            highlight=False,
        )


def _print_summary(result: RunResult) -> None:
    """Many accounts: counts by status and the total, instead of a table no one reads."""
    from collections import Counter
    from decimal import Decimal

    counts = Counter(a.status.value for a in result.accounts)
    total = sum((a.nav_usdt for a in result.accounts if a.nav_usdt is not None), start=Decimal(0))
    shown = ", ".join(
        f"[{_STATUS_STYLE[s]}]{counts[s]} {s}[/]" for s in _STATUS_STYLE if counts.get(s)
    )
    console.print(
        f"binfolio snapshot {result.run_id[:8]} · {result.started_at:%Y-%m-%d %H:%M:%S} UTC: "
        f"{shown}; total NAV {_money(total)} USDT (`--json` lists every account)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `snapshot` to the root command."""
    app.command("snapshot")(snapshot)

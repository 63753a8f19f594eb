"""`binfolio doctor`: run every check, print each result with its fix, exit 1 on any failure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from binfolio.entrypoints.cli.common import EXIT_FAILED, EXIT_OK, config_path, console

if TYPE_CHECKING:
    from binfolio.config import Settings
    from binfolio.services.accounts.registry import ResolvedAccount
    from binfolio.services.doctor.results import CheckResult

_ICONS = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}


def doctor(ctx: typer.Context) -> None:
    """Check configuration, file permissions, the database and every account; list fixes."""
    from binfolio.adapters.storage.account_repo import AccountRepo
    from binfolio.adapters.storage.database import make_engine, make_session_factory
    from binfolio.adapters.storage.schema import schema_status
    from binfolio.bootstrap import environment
    from binfolio.config import default_config_path
    from binfolio.config_load import ConfigError, load_settings
    from binfolio.services.doctor import checks
    from binfolio.services.doctor.results import CheckResult, CheckStatus
    from binfolio.services.export.doctor import check_sheets

    environ = environment()
    path = config_path(ctx) or default_config_path(environ)
    results: list[CheckResult] = []
    try:
        settings = load_settings(path, environ=environ)
    except ConfigError as exc:
        results = [CheckResult.fail("config", f"{p.key}: {p.problem}", p.fix) for p in exc.problems]
        _print(results)
        raise typer.Exit(EXIT_FAILED) from None

    results += checks.check_files(settings, path, Path.cwd())
    engine = make_engine(settings.database_url, connect_timeout_s=5)
    try:
        status = schema_status(engine)
        results += checks.check_database(status)
        store = AccountRepo(make_session_factory(engine)) if status.ok else None
        account_results, resolved = checks.check_accounts(settings, environ, store)
    finally:
        engine.dispose()
    results += account_results
    results += asyncio.run(_check_keys(settings, resolved))
    results += check_sheets(settings)
    _print(results)
    failed = any(r.status is CheckStatus.FAIL for r in results)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


async def _check_keys(settings: Settings, resolved: list[ResolvedAccount]) -> list[CheckResult]:
    from binfolio.adapters.binance.rest import RetryPolicy
    from binfolio.bootstrap import make_exchange
    from binfolio.services.doctor import checks

    # One retry: a check should answer quickly, not wait out a flaky network.
    exchange = make_exchange(settings, len(resolved), retry=RetryPolicy(attempts=2))
    async with exchange:
        return await checks.check_keys(settings, resolved, exchange)


def _print(results: list[CheckResult]) -> None:
    """One line per check and the fix below it, never wrapped, so commands can be copied."""
    from rich.markup import escape

    from binfolio.services.doctor.results import CheckStatus

    width = max((len(r.name) for r in results), default=0)
    for result in results:
        icon = _ICONS[result.status.value]
        console.print(f"{icon} {result.name:<{width}}  {escape(result.message)}", soft_wrap=True)
        if result.fix:
            console.print(f"  {'':<{width}}  [dim]fix:[/] {escape(result.fix)}", soft_wrap=True)
    failures = sum(r.status is CheckStatus.FAIL for r in results)
    warnings = sum(r.status is CheckStatus.WARN for r in results)
    if failures:
        console.print(f"[red]{failures} problem(s)[/], {warnings} warning(s): see the fixes above.")
    else:
        console.print(f"[green]All checks passed[/] ({warnings} warning(s)).")


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root command."""
    app.command("doctor")(doctor)

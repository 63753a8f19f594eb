"""`binfolio demo`: simulator, three accounts, backfilled history, dashboard and paper webhook.

Exit codes: 0 after Ctrl-C (or ``--steps`` live steps); 2 when the demo folder holds something
the demo did not make, or a port is taken.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from binfolio.entrypoints.cli import heap
from binfolio.entrypoints.cli.common import EXIT_CONFIG, EXIT_OK, console, err_console

if TYPE_CHECKING:
    from binfolio.entrypoints.demo import Demo, DemoOptions
    from binfolio.entrypoints.demo_live import Urls
    from binfolio.services.collect.results import RunResult


def demo(
    scenario: str = typer.Option(
        "bull", "--scenario", help="Market scenario: steady, bull, bear, crash or sideways."
    ),
    days: int = typer.Option(90, "--days", min=1, max=365, help="Days of hourly history."),
    port: int = typer.Option(
        8000, "--port", min=1, max=65534, help="Dashboard port; the webhook uses port + 1."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of the simulated prices."),
    step_s: float = typer.Option(
        10.0, "--step", min=0.1, help="Real seconds per simulated hour once live."
    ),
    steps: int = typer.Option(0, "--steps", min=0, help="Stop after N live hours (0: never)."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Demo folder (wiped at start). Default: <data dir>/demo."
    ),
) -> None:
    """Run the whole product on the built-in Binance simulator; nothing to set up."""
    import logging

    import platformdirs

    from binfolio.entrypoints.demo import (
        DemoDirectoryError,
        DemoOptions,
        started_demo,
        wipe_demo_dir,
    )
    from binfolio.entrypoints.demo_live import DemoServerError
    from binfolio.simulator import SCENARIOS

    if scenario not in SCENARIOS:
        err_console.print(f"[red]✗[/] --scenario {scenario}: choose one of {', '.join(SCENARIOS)}")
        raise typer.Exit(EXIT_CONFIG)
    options = DemoOptions(scenario, seed, days, port, step_s, steps)
    directory = data_dir or Path(platformdirs.user_data_dir("binfolio")) / "demo"
    try:
        wipe_demo_dir(directory)
    except DemoDirectoryError as exc:
        err_console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    # httpx logs every request at INFO; each run's own summary says what matters (as `serve`).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    heap.started()  # the demo runs for hours: collect normally from here on
    with started_demo(options, directory) as running:
        console.print(
            f"[bold]binfolio demo[/] — scenario {scenario}, simulator at "
            f"{running.simulator.base_url}",
            highlight=False,
        )
        console.print(f"  demo folder  {directory}", highlight=False)
        try:
            _run(running, options)
        except KeyboardInterrupt:
            console.print("stopped")
        except DemoServerError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_CONFIG) from None
    raise typer.Exit(EXIT_OK)


def _run(running: Demo, options: DemoOptions) -> None:
    import asyncio

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from binfolio.entrypoints.demo_backfill import backfill
    from binfolio.entrypoints.demo_live import run_live

    async def main() -> None:
        columns = (
            TextColumn("[bold]backfill[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("hours"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"{options.days} days × 3 accounts", total=options.days * 24 + 1)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            filled = await backfill(running, options.days, progress)
        console.print(
            f"[green]✓[/] backfilled {filled.runs:,} hourly runs, {filled.snapshots:,} snapshots "
            f"({filled.events} deposits, withdrawals and trades) in {filled.seconds:.1f} s"
        )
        console.print(
            "  the first live run reads their deposits and withdrawals and builds the benchmarks…"
        )
        await run_live(
            running,
            step_s=options.step_s,
            steps=options.steps,
            on_ready=lambda urls: _show_ready(running, urls, options),
            on_step=_show_step,
        )
        console.print("stopped")

    asyncio.run(main())


def _show_ready(running: Demo, urls: Urls, options: DemoOptions) -> None:
    from binfolio.entrypoints.demo_live import signal_curl

    config = running.config_path
    secret = running.webhook_secret
    console.print()
    console.print(f"[bold]Dashboard[/]       {urls.dashboard}", highlight=False)
    console.print(f"[bold]Webhook[/]         {urls.webhook}/webhook  (paper trading)")
    console.print(f"[bold]Webhook secret[/]  {secret}", highlight=False)
    console.print(f"[bold]CSV exports[/]     {running.data_dir / 'exports'}", highlight=False)
    console.print("Send a TradingView-style signal:", highlight=False)
    console.print(f"  {signal_curl(urls.webhook, secret)}", highlight=False, soft_wrap=True)
    console.print("…and see it in the trader's status:", highlight=False)
    console.print(
        f"  curl -s -H 'Authorization: Bearer {secret}' {urls.webhook}/status",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"Try:  binfolio --config {config} report", highlight=False, soft_wrap=True)
    console.print(
        f"One simulated hour every {options.step_s:g} s. Ctrl-C stops everything.",
        highlight=False,
    )
    console.print()


def _show_step(result: RunResult) -> None:
    from binfolio.domain.money import shown

    navs = "  ".join(f"{a.account} {shown(a.nav_usdt)}" for a in result.accounts)
    console.print(
        f"{result.started_at:%Y-%m-%d %H:%M} UTC  {result.status:<8}  {navs}  "
        f"({result.duration_ms} ms)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `demo` to the root command."""
    app.command("demo")(demo)

"""`binfolio demo`: simulator + demo accounts + backfilled history + live snapshots, zero config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from binfolio.entrypoints.cli import heap
from binfolio.entrypoints.cli.common import EXIT_CONFIG, EXIT_OK, console, err_console

if TYPE_CHECKING:
    from binfolio.adapters.binance.limiter import WeightLimiter
    from binfolio.domain.clock import Clock
    from binfolio.entrypoints.demo import Demo
    from binfolio.services.collect.results import RunResult


def demo(
    scenario: str = typer.Option(
        "bull", "--scenario", help="Market scenario: steady, bull, bear, crash or sideways."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of the simulated prices."),
    port: int = typer.Option(8002, "--port", help="Port of the simulator (0: any free port)."),
    backfill_days: int = typer.Option(
        7, "--backfill-days", min=1, max=60, help="Days of history to backfill first."
    ),
    interval_s: float = typer.Option(
        20.0, "--interval", min=1.0, help="Seconds between live snapshots."
    ),
    speed: float = typer.Option(
        120.0, "--speed", min=0.0, help="Simulated seconds per real second once live."
    ),
    runs: int = typer.Option(0, "--runs", min=0, help="Stop after N live snapshots (0: never)."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Demo data directory (wiped at start). Default: <data dir>/demo."
    ),
) -> None:
    """Run binfolio against the built-in Binance simulator with demo accounts; no setup needed."""
    import time

    import platformdirs

    from binfolio.entrypoints.demo import (
        DemoDirectoryError,
        DemoOptions,
        backfill,
        go_live,
        started_demo,
        wipe_demo_dir,
    )
    from binfolio.log import Redactor, setup_logging

    options = DemoOptions(
        scenario=scenario,
        seed=seed,
        backfill_days=backfill_days,
        speed=speed,
        interval_s=interval_s,
        port=port,
    )
    directory = data_dir or Path(platformdirs.user_data_dir("binfolio")) / "demo"
    setup_logging(level="WARNING", file_path=None, redactor=Redactor())
    from binfolio.adapters.binance.limiter import WeightLimiter

    heap.started()  # the demo runs for hours: collect normally from here on
    # One limiter for the whole session, as `serve` keeps: weight budgets carry across runs.
    limiter = WeightLimiter()

    def run(running: Demo, clock: Clock, with_ledger: bool) -> RunResult:
        return _run(running, clock, limiter=limiter, ledger=with_ledger)

    try:
        wipe_demo_dir(directory)
    except DemoDirectoryError as exc:
        err_console.print(f"[red]✗[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    with started_demo(options, directory) as running:
        console.print(f"[bold]binfolio demo[/] — simulator at {running.simulator.base_url}")
        console.print(f"  config   {running.config_path}")
        console.print(f"  try      binfolio --config {running.config_path} report", highlight=False)
        console.print(f"  database {running.settings.database_url}")
        with console.status(f"Backfilling {backfill_days} days of snapshots…"):
            history = backfill(running, options, run)
        console.print(f"[green]✓[/] backfilled {len(history)} snapshot runs")
        go_live(running, options)
        done = 0
        try:
            while runs == 0 or done < runs:
                if done:
                    time.sleep(interval_s)
                result = run(running, running.market_clock(), True)
                _show_run(result)
                _show_report(running)
                done += 1
        except KeyboardInterrupt:
            console.print("stopped")
    raise typer.Exit(EXIT_OK)


def _run(running: Demo, clock: Clock, *, limiter: WeightLimiter, ledger: bool) -> RunResult:
    import asyncio

    from binfolio.bootstrap import make_exchange
    from binfolio.services.collect.job import snapshot_job

    async def go() -> RunResult:
        exchange = make_exchange(
            running.settings, len(running.accounts), limiter=limiter, clock=clock
        )
        async with exchange:
            return await snapshot_job(
                running.settings,
                running.accounts,
                running.storage,
                exchange,
                clock=clock,
                ledger=ledger,
            )

    return asyncio.run(go())


def _show_run(result: RunResult) -> None:
    from binfolio.entrypoints.cli.snapshot import print_run_table

    print_run_table(result)


def _show_report(running: Demo) -> None:
    from binfolio.domain.periods import resolve
    from binfolio.entrypoints.cli.report import print_table
    from binfolio.entrypoints.demo import now_of
    from binfolio.services.report.figures import build_report

    with running.storage.report_source() as source:
        period = resolve(preset="all", since=None, until=None, now=now_of(running))
        print_table(build_report(source, period), console)


def register(app: typer.Typer) -> None:
    """Add `demo` to the root command."""
    app.command("demo")(demo)

"""The demo's live part: one simulated hour every step, the dashboard and the paper webhook.

Each step moves the simulator's clock one hour forward (never past the present: see
``demo.demo_start``) and takes a real snapshot run through
``services.schedule.run.snapshot_runner`` — the one place ``binfolio serve`` starts its runs —
with the ledger sync and benchmark update inside, then the run's follow-ups as ``serve`` builds
them (``entrypoints.followups``), then the CSV exports of snapshots and flows into the demo
folder. The dashboard reads the market's clock instead of the wall clock: while the demo
replays the last day the market is behind the present, and the dashboard's "now" (the stale
badge, the 24-hour range) must be the market's.

SIGINT or SIGTERM ends the step under way, stops both servers and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from binfolio.domain.clock import to_ms, utc_now
from binfolio.entrypoints.demo import Demo
from binfolio.errors import BinfolioError

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from binfolio.services.collect.results import RunResult

log = logging.getLogger(__name__)

EXPORTS = ("snapshots", "flows")
_START_TIMEOUT_S = 15.0
_HOUR_MS = 3_600_000


class DemoServerError(BinfolioError, RuntimeError):
    """A demo server could not start (its port is taken, most likely)."""


@dataclass(frozen=True)
class Urls:
    """Where the demo's servers listen."""

    dashboard: str
    webhook: str


def signal_curl(webhook_url: str, secret: str) -> str:
    """A ready ``curl`` that sends a TradingView-style signal (``docs/trading.md``)."""
    body = (
        f'{{"secret": "{secret}", "symbol": "BTCUSDT", "side": "BUY", '
        f'"confidence": 75, "amount_usdt": "20"}}'
    )
    return f"curl -s -X POST {webhook_url}/webhook -H 'Content-Type: application/json' -d '{body}'"


def export_csv(demo: Demo) -> list[Path]:
    """Write the demo's snapshots and flows as CSV into ``<demo folder>/exports``.

    Each file is written beside its final name and renamed, so a reader never sees half a file.
    """
    from binfolio.adapters.storage.export_csv import CsvExportRepository, CsvFilter
    from binfolio.services.export.csv_export import write_csv

    folder = demo.data_dir / "exports"
    folder.mkdir(exist_ok=True)
    repo = CsvExportRepository(demo.app.session_factory)
    written = []
    for what in EXPORTS:
        path, partial = folder / f"{what}.csv", folder / f".{what}.csv.partial"
        with partial.open("w", encoding="utf-8", newline="") as handle:
            write_csv(repo.table(what, CsvFilter()), handle)
        os.replace(partial, path)
        written.append(path)
    return written


async def run_live(
    demo: Demo,
    *,
    step_s: float,
    steps: int = 0,
    on_ready: Callable[[Urls], None],
    on_step: Callable[[RunResult], None],
) -> int:
    """Take the first live run, start the servers, then step until stopped.

    Returns:
        The number of live runs taken.

    Raises:
        DemoServerError: when the dashboard or the webhook cannot start.
    """
    from binfolio.entrypoints.followups import build_followups
    from binfolio.services.schedule.run import snapshot_runner

    app = demo.app
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    accounts = await asyncio.to_thread(app.accounts)
    collect = snapshot_runner(app.settings, app.storage, app.exchange, clock=demo.market_clock())
    followups = build_followups(app, breaker=False)
    done = 0

    async def step() -> None:
        nonlocal done
        # An hour a step until the market reaches the present, then the present (demo_start).
        target_ms = min(demo.simulator.app.state.sim.clock.now_ms() + _HOUR_MS, to_ms(utc_now()))
        await asyncio.to_thread(demo.simulator.set_clock, target_ms)
        result = await collect(accounts)
        for hook in followups.hooks:
            await hook(result)
        await asyncio.to_thread(export_csv, demo)
        if app.log_sink is not None:  # the dashboard's Logs page, as `serve` flushes it
            await app.storage.db.call(app.log_sink.write, app.session_factory)
        done += 1
        on_step(result)

    try:
        # The first run reads every deposit and withdrawal of the backfill from the simulator's
        # history, values them at their klines and builds the benchmarks: then the servers open.
        await step()
        if stop.is_set():  # Ctrl-C during the first run
            return done
        servers, close = _servers(demo)
        try:
            await _started(servers)
            settings = app.settings
            on_ready(
                Urls(
                    f"http://{settings.dashboard.host}:{settings.dashboard.port}",
                    f"http://{settings.webhook.host}:{settings.webhook.port}",
                )
            )
            while not stop.is_set() and (steps == 0 or done < steps):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), step_s)
                if stop.is_set():
                    break
                try:
                    await step()
                except Exception:  # one failed step must not end the demo; the log says why
                    log.exception("demo: live step failed")
        finally:
            for server in servers:
                server.should_exit = True
            await asyncio.gather(*(s.task for s in servers), return_exceptions=True)
            await close()
    finally:
        await followups.aclose()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return done


@dataclass
class _Running:
    name: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def should_exit(self) -> bool:
        return bool(self.server.should_exit)

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self.server.should_exit = value


def _servers(demo: Demo) -> tuple[list[_Running], Callable[[], Awaitable[None]]]:
    """The dashboard (on the market's clock) and the paper webhook, started as ``serve`` does;
    and what to close once they have stopped."""
    from binfolio.entrypoints.web.dashboard import create_dashboard_app, options_from_settings
    from binfolio.entrypoints.web.webhook import create_webhook_app
    from binfolio.entrypoints.web.webhook.wiring import build_trader

    app, settings = demo.app, demo.app.settings
    options = options_from_settings(settings, clock=demo.market_clock())
    dashboard = create_dashboard_app(app.session_factory, options)
    built = build_trader(app)
    webhook = create_webhook_app(built.trader, built.options)
    running = [
        _start("dashboard", dashboard, settings.dashboard.host, settings.dashboard.port),
        _start("webhook", webhook, settings.webhook.host, settings.webhook.port),
    ]
    return running, built.aclose


def _start(name: str, web: FastAPI, host: str, port: int) -> _Running:
    from binfolio.entrypoints.web.server import embedded_server

    server = embedded_server(web, host, port)

    async def serve() -> None:
        try:
            await server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind; _started() says so
            log.error("%s: could not start on %s:%d", name, host, port)  # noqa: TRY400

    return _Running(name, server, asyncio.create_task(serve()))


async def _started(servers: list[_Running]) -> None:
    """Wait until every server listens.

    Raises:
        DemoServerError: when one stops or does not start in time.
    """
    deadline = asyncio.get_running_loop().time() + _START_TIMEOUT_S
    for running in servers:
        while not running.server.started:
            if running.task.done() or asyncio.get_running_loop().time() > deadline:
                port = running.server.config.port
                for other in servers:
                    other.should_exit = True
                raise DemoServerError(
                    f"the {running.name} could not start on port {port} (in use?); "
                    "choose another with --port"
                )
            await asyncio.sleep(0.05)

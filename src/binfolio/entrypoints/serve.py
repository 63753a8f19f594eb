"""`binfolio serve` wired: the scheduler, its chores and the web servers on one event loop.

Roles: ``collector`` runs the schedule (claims, locks, runs, heartbeat, retention); ``web`` runs
the dashboard and webhook servers (each when ``enabled``); ``all`` runs both. Every role flushes
its log records to the database every few seconds.

Stopping: the first SIGTERM or SIGINT lets the run under way finish (the collector's deadline
bounds it), stops the servers and exits 0; a second one abandons the run at once — each account
is written in one transaction, so an abandoned run leaves whole snapshots or none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from binfolio.config_load import ConfigError
from binfolio.domain.clock import utc_now
from binfolio.services.schedule.cron import Schedule
from binfolio.services.schedule.housekeeping import Heartbeat, Retention, every
from binfolio.services.schedule.loop import AfterRun, Scheduler, SlotFailed
from binfolio.services.schedule.ports import HEARTBEAT_S
from binfolio.services.schedule.run import Admit, SlotRunner, snapshot_runner

if TYPE_CHECKING:
    from datetime import datetime

    import uvicorn
    from fastapi import FastAPI

    from binfolio.adapters.storage.locks import RunLocks
    from binfolio.adapters.storage.schedule_repo import ScheduleRepo
    from binfolio.bootstrap import App
    from binfolio.services.accounts.registry import ResolvedAccount
    from binfolio.services.collect.results import RunResult
    from binfolio.services.schedule.health import HealthReport

log = logging.getLogger(__name__)

ROLES = ("all", "collector", "web")
DAY_S = 86_400.0


@dataclass(frozen=True)
class ServeOptions:
    """How `serve` runs (the defaults are the product's; tests shorten them)."""

    role: str = "all"
    flush_every_s: float = 5.0
    retention_every_s: float = DAY_S
    hooks_grace_s: float = 10.0


@dataclass(frozen=True)
class WebApp:
    """A server to run: its name, the ASGI app and where it listens."""

    name: str
    app: FastAPI
    host: str
    port: int
    aclose: Callable[[], Awaitable[None]] | None = None


async def serve_forever(
    app: App,
    options: ServeOptions,
    *,
    hooks: Sequence[AfterRun] = (),
    admit: Admit | None = None,
    on_failure: SlotFailed | None = None,
) -> None:
    """Run until SIGTERM/SIGINT.

    Args:
        app: the wired application.
        options: role and chore intervals.
        hooks: called after each snapshot run (exports, alerts), in order, off the run's path.
        admit: picks, each slot, the claimed accounts to collect (the circuit breaker).
        on_failure: told when a whole slot fails (the "run failed" alert).
    """
    service = _Service(app, options)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, service.on_signal, signum)
    try:
        service.start(_Hooks(hooks, admit, on_failure))
        await service.stop.wait()
    finally:
        await service.shutdown()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("binfolio serve stopped")


@dataclass(frozen=True)
class _Hooks:
    """What exports, alerts and the circuit breaker plug into the collector."""

    after_run: Sequence[AfterRun]
    admit: Admit | None
    on_failure: SlotFailed | None


class _Service:
    """The parts of one `serve` process, started and stopped together."""

    def __init__(self, app: App, options: ServeOptions) -> None:
        self.app, self.options = app, options
        self.stop = asyncio.Event()
        self.scheduler: Scheduler | None = None
        self.scheduler_task: asyncio.Task[None] | None = None
        self.heartbeat: Heartbeat | None = None
        self.locks: RunLocks | None = None
        self.chores: list[asyncio.Task[None]] = []
        self.servers: list[uvicorn.Server] = []
        self.server_tasks: list[asyncio.Task[None]] = []
        self.webs: list[WebApp] = []

    def on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if not self.stop.is_set():
            log.info("%s: stopping after the run under way", name)
            self.stop.set()
        elif self.scheduler_task is not None and not self.scheduler_task.done():
            log.warning("%s again: abandoning the run under way", name)
            self.scheduler_task.cancel()

    def start(self, hooks: _Hooks) -> None:
        app, options, stop = self.app, self.options, self.stop
        if app.log_sink is not None:
            sink, factory, db = app.log_sink, app.session_factory, app.storage.db
            flush = every(stop, options.flush_every_s, lambda: db.call(sink.write, factory), "logs")
            self.chores.append(_task(flush))
        if options.role in ("all", "collector"):
            self._start_collector(hooks)
        if options.role in ("all", "web"):
            self.webs = web_apps(app)
            for web in self.webs:
                server = _server(web)
                self.servers.append(server)
                self.server_tasks.append(_task(_serve(web, server)))

    def _start_collector(self, hooks: _Hooks) -> None:
        from binfolio.adapters.storage.locks import run_locks_for

        app, stop = self.app, self.stop
        self.locks = run_locks_for(app.engine)
        scheduler, heartbeat = _collector(app, self.locks, hooks)
        self.scheduler, self.heartbeat = scheduler, heartbeat
        retention = Retention(
            _store(app), app.storage.db, app.settings.logging.retention_days, utc_now
        )
        self.scheduler_task = _task(scheduler.run(stop))
        self.chores.append(_task(every(stop, HEARTBEAT_S, heartbeat, "heartbeat")))
        prune = every(stop, self.options.retention_every_s, retention, "retention")
        self.chores.append(_task(prune))
        log.info(
            "collector %s: schedule %s (UTC)",
            heartbeat.collector_id[:8],
            app.settings.collector.schedule_cron,
        )

    async def shutdown(self) -> None:
        """Stop the servers, let the run under way end, wait for hooks, leave the heartbeat."""
        self.stop.set()
        for server in self.servers:
            server.should_exit = True
        if self.scheduler_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.scheduler_task
        await asyncio.gather(*self.server_tasks, *self.chores, return_exceptions=True)
        for web in self.webs:
            if web.aclose is not None:
                with contextlib.suppress(Exception):
                    await web.aclose()
        if self.scheduler is not None:
            await self.scheduler.drain_hooks(self.options.hooks_grace_s)
        if self.heartbeat is not None:
            with contextlib.suppress(Exception):
                await self.heartbeat.leave()
        if self.locks is not None:
            self.locks.close()


def _task(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.create_task(coroutine)


def _store(app: App) -> ScheduleRepo:
    from binfolio.adapters.storage.schedule_repo import ScheduleRepo

    return ScheduleRepo(app.session_factory)


def _collector(app: App, locks: RunLocks, hooks: _Hooks) -> tuple[Scheduler, Heartbeat]:
    """The scheduler over this process's slot runner, and its heartbeat."""
    settings, storage = app.settings, app.storage
    collector_id = str(uuid.uuid4())
    # app.exchange books into the container's one limiter: Binance counts weight per IP.
    collect = snapshot_runner(settings, storage, app.exchange, clock=utc_now)
    store = _store(app)
    runner = SlotRunner(collector_id, store, locks, storage.db, collect, utc_now, hooks.admit)
    accounts = _AccountSource(app)

    async def job(slot: datetime) -> list[RunResult]:
        current = await storage.db.call(accounts.current)
        outcome = await runner.run_slot(slot, {a.name: a for a in current})
        log.info(
            "slot %s: %d account(s) claimed, %d already running, %d held back, %d run(s)",
            f"{slot:%Y-%m-%d %H:%M:%S}",
            len(outcome.claimed),
            len(outcome.busy),
            len(outcome.held_back),
            len(outcome.runs),
        )
        return outcome.runs

    scheduler = Scheduler(
        Schedule(settings.collector.schedule_cron),
        job,
        clock=utc_now,
        hooks=hooks.after_run,
        on_failure=hooks.on_failure,
    )
    heartbeat = Heartbeat(
        store=store,
        db=storage.db,
        scheduler=scheduler,
        collector_id=collector_id,
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=utc_now(),
        clock=utc_now,
    )
    scheduler.on_next = heartbeat  # `health` shows the next run as soon as it is known
    return scheduler, heartbeat


class _AccountSource:
    """The accounts, resolved again each slot (`binfolio accounts add` needs no restart)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.last: list[ResolvedAccount] = []

    def current(self) -> list[ResolvedAccount]:
        problems = []
        try:
            self.last = self.app.accounts()
        except ConfigError as exc:
            problems = exc.problems
        # A variable gone or a file unreadable must not stop the others being collected.
        for problem in problems:
            log.error("accounts: %s: %s (fix: %s)", problem.key, problem.problem, problem.fix)
        return self.last


# --- web servers ----------------------------------------------------------------------------


def web_apps(app: App) -> list[WebApp]:
    """The enabled servers whose modules exist, each with ``GET /health``."""
    from binfolio.entrypoints.cli.health import read_health
    from binfolio.entrypoints.web.health import create_health_app, has_health_route, health_router

    def read() -> HealthReport:
        return read_health(app)

    settings = app.settings
    found: list[WebApp] = []
    builders = [
        ("dashboard", _dashboard, settings.dashboard),
        ("webhook", _webhook, settings.webhook),
    ]
    for name, build, section in builders:
        if not section.enabled:
            log.info("%s: off ([%s] enabled = false)", name, name)
            continue
        built = _build(name, build, app)
        if built is None and name == "dashboard":
            # Still answer GET /health where the dashboard would be: uptime checks need it.
            built = (create_health_app(read), None)
        if built is None:
            continue
        web, aclose = built
        if not has_health_route(web):
            web.include_router(health_router(read))
        found.append(WebApp(name, web, section.host, section.port, aclose))
    return found


Built = tuple["FastAPI", Callable[[], Awaitable[None]] | None]
"""A server's app, and what to close when it stops."""


def _dashboard(app: App) -> Built:
    from binfolio.entrypoints.web.dashboard import create_dashboard_app, options_from_settings

    return create_dashboard_app(app.session_factory, options_from_settings(app.settings)), None


def _webhook(app: App) -> Built:
    from binfolio.entrypoints.web.webhook import create_webhook_app
    from binfolio.entrypoints.web.webhook.wiring import build_trader

    built = build_trader(app)
    return create_webhook_app(built.trader, built.options, on_close=built.aclose), None


def _build(name: str, build: Callable[[App], Built], app: App) -> Built | None:
    problems = []
    try:
        return build(app)
    except ImportError:
        log.warning("%s: not available in this build; skipped", name)
        return None
    except ConfigError as exc:
        problems = exc.problems
    except Exception:  # a broken server must never stop collection
        log.exception("%s: could not be built; skipped", name)
    for problem in problems:
        log.error("%s: %s: %s (fix: %s)", name, problem.key, problem.problem, problem.fix)
    return None


def _server(web: WebApp) -> uvicorn.Server:
    from binfolio.entrypoints.web.server import embedded_server

    return embedded_server(web.app, web.host, web.port)


async def _serve(web: WebApp, server: uvicorn.Server) -> None:
    log.info("%s: http://%s:%d", web.name, web.host, web.port)
    try:
        await server.serve()
    except SystemExit:  # uvicorn exits when it cannot bind or start up; its log says why
        log.error(  # noqa: TRY400 - the traceback of a SystemExit says nothing more
            "%s: could not start on %s:%d (port in use?)", web.name, web.host, web.port
        )
    except Exception:
        log.exception("%s: server stopped", web.name)

"""What follows a snapshot run, as configured: the Sheets export, circuit breakers, alerts.

`binfolio serve` and `binfolio snapshot` (the cron user's command) share it, so a run writes its
spreadsheet rows and raises its alerts however it was started. Each part is built only when
configured: Sheets when ``sheets.spreadsheet_id`` is set, alerts when ``alerts.urls`` has a
receiver; the circuit breakers always run in ``serve``, where they decide which accounts a slot
collects. Hooks run in order after each run, exports first: the alerts read the state the run left.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from binfolio.domain.clock import utc_now
from binfolio.services.schedule.loop import AfterRun, SlotFailed
from binfolio.services.schedule.run import Admit

if TYPE_CHECKING:
    from binfolio.adapters.binance.exchange import BinanceExchange
    from binfolio.adapters.notify import Notifier
    from binfolio.bootstrap import App
    from binfolio.services.alerts.evaluate import Alerting
    from binfolio.services.collect.results import RunResult

log = logging.getLogger(__name__)


@dataclass
class Followups:
    """The hooks of the serve loop (and of `binfolio snapshot`), and what to close at exit."""

    hooks: list[AfterRun] = field(default_factory=list)
    admit: Admit | None = None
    on_failure: SlotFailed | None = None
    notifier: Notifier | None = None
    exchange: BinanceExchange | None = None

    async def aclose(self) -> None:
        """Give queued alerts a few seconds to go out, and close the key-check connections."""
        if self.notifier is not None:
            # Waits up to 5 s for the receivers' threads: not on the event loop.
            await asyncio.to_thread(self.notifier.close, 5.0)
        if self.exchange is not None:
            await self.exchange.aclose()


def build_followups(app: App, *, breaker: bool) -> Followups:
    """Exports, then circuit breakers and alerts, as configured.

    Args:
        app: the container.
        breaker: count failed runs per account and pause accounts whose circuit is open
            (``serve``); a manual snapshot still records its outcome when alerts are on.

    Raises:
        binfolio.adapters.notify.NotifierConfigError: for an alert URL apprise cannot read.
    """
    followups = Followups()
    settings = app.settings
    if settings.sheets.enabled:
        followups.hooks.append(_sheets_hook(app))
    if breaker or settings.alerts.urls:
        _add_alerts(app, followups, breaker=breaker)
    return followups


def _sheets_hook(app: App) -> AfterRun:
    from binfolio.adapters.storage.export_repo import ExportRepository
    from binfolio.services.export.sheets import export_after_run

    store = ExportRepository(app.session_factory)

    async def export(run: RunResult) -> None:
        report = await export_after_run(app.settings.sheets, store)
        if report is not None:
            log.info("run %s: Sheets export %s", run.run_id[:8], report)

    return export


def _add_alerts(app: App, followups: Followups, *, breaker: bool) -> None:
    from binfolio.adapters.notify import Notifier
    from binfolio.adapters.storage.alert_repo import AlertRepo
    from binfolio.services.alerts.breaker import CircuitBreaker
    from binfolio.services.alerts.evaluate import Alerting
    from binfolio.services.alerts.hooks import after_run_hook
    from binfolio.services.alerts.options import alert_options
    from binfolio.services.alerts.permissions import ExchangeKeyPermissions
    from binfolio.services.collect.job import collect_inputs

    settings, storage = app.settings, app.storage
    options = alert_options(settings, utc_now())
    repo = AlertRepo(app.session_factory)
    circuits = CircuitBreaker(repo, options.circuit, db=storage.db)
    alerting: Alerting | None = None
    if settings.alerts.urls:
        followups.notifier = Notifier([url.get_secret_value() for url in settings.alerts.urls])
        accounts = app.accounts()
        targets, _ = collect_inputs(settings, accounts)
        followups.exchange = app.exchange(len(targets))
        alerting = Alerting(
            repo,
            repo,
            followups.notifier,
            options,
            permissions=ExchangeKeyPermissions(followups.exchange, targets),
            db=storage.db,
        )
        followups.on_failure = _run_failed(alerting)
    followups.hooks.append(after_run_hook(circuits, alerting))
    if breaker:
        followups.admit = circuits.admit


def _run_failed(alerting: Alerting) -> SlotFailed:
    async def on_failure(slot: datetime, error: Exception) -> None:
        await alerting.run_crashed(f"the run of {slot:%Y-%m-%d %H:%M} UTC failed: {error}")

    return on_failure

"""A snapshot run as `binfolio snapshot` and `serve` do it: from the settings, with the
cash-flow ledger synced inside each account's transaction and the benchmarks brought up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from binfolio.config import Settings
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.money import shown
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.options import AccountTarget, CollectOptions
from binfolio.services.collect.results import AccountResult, RunResult
from binfolio.services.collect.run import collect
from binfolio.services.ports import Exchange, Storage

log = logging.getLogger(__name__)


def collect_inputs(
    settings: Settings, accounts: Sequence[ResolvedAccount]
) -> tuple[list[AccountTarget], CollectOptions]:
    """Targets and options of a run, from the settings (no hook attached)."""
    targets = [AccountTarget(a.name, a.api_key, a.api_secret, a.wallets) for a in accounts]
    collector = settings.collector
    options = CollectOptions(
        deadline_s=collector.deadline_s,
        concurrency=collector.concurrency,
        reconcile=collector.reconcile,
        reconcile_tolerance_pct=collector.reconcile_tolerance_pct,
        benchmark_assets=frozenset(asset for a in accounts for asset in a.benchmark.weights),
    )
    return targets, options


async def snapshot_job(
    settings: Settings,
    accounts: Sequence[ResolvedAccount],
    storage: Storage,
    exchange: Exchange,
    *,
    clock: Clock = utc_now,
    ledger: bool = True,
    on_account: Callable[[AccountResult], None] | None = None,
) -> RunResult:
    """Collect every account, sync its cash flows in the same transaction, update benchmarks.

    Raises:
        StorageError: when the run record cannot be written at all.
    """
    from binfolio.services.benchmark.update import basket_spec
    from binfolio.services.ledger.hook import ledger_flow_hook, update_benchmarks

    targets, options = collect_inputs(settings, accounts)
    if ledger:
        overlap = timedelta(days=settings.collector.flow_window_days)
        options = replace(options, flow_hook=ledger_flow_hook(storage, overlap=overlap))
    result = await collect(
        targets,
        exchange=exchange,
        storage=storage,
        options=options,
        clock=clock,
        on_account=on_account,
    )
    if ledger and not result.banned:
        specs = {a.name: basket_spec(a.benchmark) for a in accounts}
        await update_benchmarks(storage, specs, klines=exchange.market, now=result.started_at)
    _log_outcome(result)
    return result


def _log_outcome(result: RunResult) -> None:
    """One line per account (the log table and file keep what each run did), warnings for errors."""
    for account in result.accounts:
        extra = {"run_id": result.run_id, "account": account.account}
        nav = f"{shown(account.nav_usdt)} USDT"
        log.info(
            "snapshot %s: %s %s, NAV %s, %d requests, weight %d, %.2f s",
            result.run_id[:8],
            account.account,
            account.status.value,
            nav,
            account.requests,
            account.weight,
            account.duration_ms / 1000,
            extra=extra,
        )
        for error in account.errors:
            log.warning(
                "snapshot %s: %s: %s", result.run_id[:8], account.account, error, extra=extra
            )

"""A snapshot run as `binfolio snapshot` and `serve` do it: from the settings, with the
cash-flow ledger synced inside each account's transaction and the benchmarks brought up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.market import MarketDataClient
from binfolio.config import Settings
from binfolio.domain.clock import Clock, utc_now
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.options import AccountTarget, CollectOptions, Endpoints
from binfolio.services.collect.results import RunResult
from binfolio.services.collect.run import collect, make_http_client, tls_context

log = logging.getLogger(__name__)


def collect_inputs(
    settings: Settings, accounts: Sequence[ResolvedAccount]
) -> tuple[list[AccountTarget], Endpoints, CollectOptions]:
    """Targets, endpoints and options of a run, from the settings (no hook attached)."""
    targets = [AccountTarget(a.name, a.api_key, a.api_secret, a.wallets) for a in accounts]
    endpoints = Endpoints(settings.binance.base_url, settings.binance.futures_base_url)
    collector = settings.collector
    options = CollectOptions(
        deadline_s=collector.deadline_s,
        concurrency=collector.concurrency,
        reconcile=collector.reconcile,
        reconcile_tolerance_pct=collector.reconcile_tolerance_pct,
        recv_window_ms=settings.binance.recv_window_ms,
        http_timeout_s=settings.binance.timeout_s,
        benchmark_assets=frozenset(asset for a in accounts for asset in a.benchmark.weights),
    )
    return targets, endpoints, options


async def snapshot_job(
    settings: Settings,
    accounts: Sequence[ResolvedAccount],
    factory: sessionmaker[Session],
    *,
    clock: Clock = utc_now,
    limiter: WeightLimiter | None = None,
    ledger: bool = True,
) -> RunResult:
    """Collect every account, sync its cash flows in the same transaction, update benchmarks.

    Raises:
        SQLAlchemyError: when the run record cannot be written at all.
    """
    from dataclasses import replace

    from binfolio.services.benchmark.update import basket_spec
    from binfolio.services.ledger.hook import ledger_flow_hook, update_benchmarks

    targets, endpoints, options = collect_inputs(settings, accounts)
    if ledger:
        overlap = timedelta(days=settings.collector.flow_window_days)
        options = replace(options, flow_hook=ledger_flow_hook(factory, overlap=overlap))
    limiter = limiter or WeightLimiter()
    result = await collect(
        targets,
        endpoints=endpoints,
        session_factory=factory,
        options=options,
        clock=clock,
        limiter=limiter,
    )
    verify = tls_context(endpoints.base_url)
    async with make_http_client(options.http_timeout_s, verify=verify) as http:
        if ledger and not result.banned:
            market = MarketDataClient(
                http, base_url=endpoints.base_url, limiter=limiter, clock=clock
            )
            specs = {a.name: basket_spec(a.benchmark) for a in accounts}
            await update_benchmarks(factory, specs, klines=market, now=result.started_at)
    _log_outcome(result)
    return result


def _log_outcome(result: RunResult) -> None:
    """One line per account (the log table and file keep what each run did), warnings for errors."""
    for account in result.accounts:
        extra = {"run_id": result.run_id, "account": account.account}
        nav = "—" if account.nav_usdt is None else f"{account.nav_usdt:.2f} USDT"
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

"""Repository results turned into the API's models; the pages render the same models, so a
page and the API can only show the same numbers."""

from __future__ import annotations

from decimal import Decimal

from binfolio.adapters.storage.dashboard_rows import FlowLine, Holdings, RunLine
from binfolio.domain.money import ZERO, fmt
from binfolio.domain.periods import Period
from binfolio.entrypoints.web.dashboard import schemas
from binfolio.entrypoints.web.dashboard.series import ChartSeries
from binfolio.entrypoints.web.dashboard.views import (
    AccountView,
    OverviewView,
    Share,
    allocation,
)


def _text(value: Decimal | None) -> str | None:
    return fmt(value) if value is not None else None


def overview(view: OverviewView) -> schemas.Overview:
    """``GET /api/accounts``."""
    return schemas.Overview(
        since=view.period.since,
        until=view.period.until,
        accounts=[schemas.AccountSummary.of(account) for account in view.accounts],
        total=schemas.Figures.model_validate(view.total) if view.total else None,
        newest_snapshot_id=view.newest_snapshot_id,
    )


def summary(view: AccountView, period: Period) -> schemas.Summary:
    """``GET /api/accounts/{name}/summary``."""
    return schemas.Summary(
        since=period.since, until=period.until, account=schemas.AccountSummary.of(view)
    )


def series(name: str, chart: ChartSeries, max_points: int) -> schemas.Series:
    """``GET /api/accounts/{name}/series``."""
    return schemas.Series(
        account=name,
        since=chart.period.since,
        until=chart.period.until,
        start=chart.start,
        total_points=chart.total_points,
        returned_points=len(chart.times),
        max_points=max_points,
        time=chart.times,
        nav_usdt=chart.nav_usdt,
        benchmark_usdt=chart.benchmark_usdt,
        twr_index=chart.twr_index,
        drawdown=chart.drawdown,
    )


def holdings(name: str, found: Holdings | None) -> schemas.Holdings:
    """``GET /api/accounts/{name}/holdings`` (empty lists before the first snapshot)."""
    if found is None:
        return schemas.Holdings(
            account=name,
            snapshot_id=None,
            taken_at=None,
            status=None,
            nav_usdt=None,
            unpriced=[],
            assets=[],
            by_asset=[],
            by_wallet=[],
        )
    total = sum((row.value_usdt for row in found.rows), ZERO)
    return schemas.Holdings(
        account=name,
        snapshot_id=found.snapshot_id,
        taken_at=found.taken_at,
        status=found.status,
        nav_usdt=_text(found.nav_usdt),
        unpriced=found.unpriced,
        assets=[
            schemas.Holding(
                wallet=row.wallet,
                asset=row.asset,
                amount=fmt(row.amount),
                price=_text(row.price),
                price_source=row.price_source,
                value_usdt=fmt(row.value_usdt),
                share=_text(row.value_usdt / total) if total > 0 else None,
            )
            for row in found.rows
        ],
        by_asset=_slices(allocation(found, "asset")),
        by_wallet=_slices(allocation(found, "wallet")),
    )


def _slices(shares: list[Share]) -> list[schemas.Slice]:
    return [
        schemas.Slice(name=s.name, value_usdt=fmt(s.value_usdt), share=_text(s.share))
        for s in shares
    ]


def flows(name: str, period: Period, found: list[FlowLine], limit: int) -> schemas.Flows:
    """``GET /api/accounts/{name}/flows``; ``found`` may hold one more than ``limit``."""
    return schemas.Flows(
        account=name,
        since=period.since,
        until=period.until,
        flows=[
            schemas.Flow(
                time=f.time,
                kind=f.kind,
                coin=f.coin,
                amount=fmt(f.amount),
                fee=fmt(f.fee),
                value_usdt=_text(f.value_usdt),
                price_source=f.price_source,
            )
            for f in found[:limit]
        ],
        truncated=len(found) > limit,
    )


def runs(name: str, found: list[RunLine]) -> schemas.Runs:
    """``GET /api/accounts/{name}/runs``: the account's own counters from the run's detail."""
    return schemas.Runs(
        account=name,
        runs=[
            schemas.Run(
                run_id=r.run_id,
                started_at=r.started_at,
                finished_at=r.finished_at,
                run_status=r.run_status,
                snapshot_status=r.snapshot_status,
                nav_usdt=_text(r.nav_usdt),
                duration_ms=schemas.detail_int(r.detail, "duration_ms"),
                requests=schemas.detail_int(r.detail, "requests"),
                weight=schemas.detail_int(r.detail, "weight"),
                errors=[str(e) for e in r.detail.get("errors", [])] or r.reasons,
                run_duration_ms=r.run_duration_ms,
                run_requests=r.run_requests,
                run_weight=r.run_weight,
            )
            for r in found
        ],
    )

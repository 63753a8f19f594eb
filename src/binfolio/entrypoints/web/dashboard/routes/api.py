"""The JSON API (DESIGN.md, HTTP). Sync endpoints: FastAPI runs them in its thread pool, so
database work never blocks the event loop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from binfolio.entrypoints.web.dashboard import payloads, schemas, views
from binfolio.entrypoints.web.dashboard.deps import ApiPeriod, DashboardState, State
from binfolio.entrypoints.web.dashboard.series import DEFAULT_MAX_POINTS, chart_series
from binfolio.errors import UnknownAccountError

router = APIRouter(prefix="/api", tags=["api"])

AccountName = Annotated[str, Path(description="The account's name.", max_length=64)]
FLOWS_LIMIT = 200
RUNS_LIMIT = 50


def account_id_or_404(state: DashboardState, name: str) -> int:
    """The account's id.

    Raises:
        HTTPException: 404 when no account has that name.
    """
    account_id = state.repo.account_id(name)
    if account_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account named {name!r}")
    return account_id


@router.get("/accounts", response_model=schemas.Overview)
def accounts(state: State, period: ApiPeriod) -> schemas.Overview:
    """Every account and the total: figures for the period, status and badges."""
    return payloads.overview(views.overview(state.repo, period, state.options))


@router.get("/accounts/{name}/summary", response_model=schemas.Summary)
def summary(state: State, name: AccountName, period: ApiPeriod) -> schemas.Summary:
    """One account's figures (as `binfolio report --format json`), status and badges."""
    try:
        view = views.account(state.repo, name, period, state.options)
    except UnknownAccountError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account named {name!r}") from None
    return payloads.summary(view, period)


@router.get("/accounts/{name}/series", response_model=schemas.Series)
def series(
    state: State,
    name: AccountName,
    period: ApiPeriod,
    max_points: Annotated[
        int, Query(ge=10, le=10_000, description="Most points returned (spikes are kept).")
    ] = DEFAULT_MAX_POINTS,
) -> schemas.Series:
    """NAV, benchmark, TWR index and drawdown over the period, thinned to ``max_points``."""
    chart = chart_series(state.repo, account_id_or_404(state, name), period, max_points)
    return payloads.series(name, chart, max_points)


@router.get("/accounts/{name}/holdings", response_model=schemas.Holdings)
def holdings(state: State, name: AccountName) -> schemas.Holdings:
    """The newest snapshot's assets with their price sources, and the allocation."""
    return payloads.holdings(name, state.repo.holdings(account_id_or_404(state, name)))


@router.get("/accounts/{name}/flows", response_model=schemas.Flows)
def flows(
    state: State,
    name: AccountName,
    period: ApiPeriod,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most flows returned.")] = FLOWS_LIMIT,
) -> schemas.Flows:
    """Deposits and withdrawals in the period, newest first, with their USDT value."""
    account_id = account_id_or_404(state, name)
    found = state.repo.flows(account_id, period.since, period.until, limit + 1)
    return payloads.flows(name, period, found, limit)


@router.get("/accounts/{name}/runs", response_model=schemas.Runs)
def runs(
    state: State,
    name: AccountName,
    period: ApiPeriod,
    limit: Annotated[int, Query(ge=1, le=500, description="Most runs returned.")] = RUNS_LIMIT,
) -> schemas.Runs:
    """The account's snapshot runs in the period, newest first: duration, requests, weight."""
    account_id = account_id_or_404(state, name)
    return payloads.runs(name, state.repo.runs(account_id, period.since, period.until, limit))

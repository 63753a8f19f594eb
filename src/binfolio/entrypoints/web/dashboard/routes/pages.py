"""The HTML pages: the overview, an account, and the API docs. The account and the period live
in the URL (``/accounts/main?range=7d``, ``?from=2026-01-01&to=2026-02-01``), so any view can
be bookmarked. Pages render the API's own models; charts are drawn in the browser from the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from binfolio.domain.periods import PRESETS, Period
from binfolio.entrypoints.web.dashboard import payloads, views
from binfolio.entrypoints.web.dashboard.deps import (
    DashboardState,
    FromParam,
    RangeParam,
    State,
    ToParam,
    get_state,
    period_of,
)
from binfolio.entrypoints.web.dashboard.routes.api import FLOWS_LIMIT
from binfolio.errors import UnknownAccountError

router = APIRouter(include_in_schema=False)

PRESET_LABELS = {"ytd": "YTD", "all": "All"}
# The account page lists the newest runs; the API gives more (``/api/accounts/{name}/runs``).
PAGE_RUNS = 15


@dataclass(frozen=True)
class RangeChoice:
    """The period a page shows and how the range controls render it."""

    period: Period
    preset: str | None
    since_text: str
    until_text: str

    @property
    def query(self) -> str:
        """The URL query that asks for this range again (``range=30d``, ``from=…&to=…``)."""
        if self.preset is not None:
            return urlencode({"range": self.preset})
        pairs = {"from": self.since_text, "to": self.until_text}
        return urlencode({key: value for key, value in pairs.items() if value})

    @property
    def api_query(self) -> str:
        """The same period pinned to its resolved times, for the page's own API calls."""
        pairs = {"to": self.period.until.isoformat()}
        if self.period.since is not None:
            pairs = {"from": self.period.since.isoformat(), **pairs}
        return urlencode(pairs)

    @property
    def presets(self) -> list[tuple[str, str]]:
        """(preset, label) for the range buttons."""
        return [(p, PRESET_LABELS.get(p, p)) for p in PRESETS]


def _choice(
    state: DashboardState, preset: str | None, since: str | None, until: str | None
) -> RangeChoice:
    if not (preset or since or until):
        preset = state.options.page_range
    period = period_of(state, preset, since, until)
    return RangeChoice(period, preset or None, since or "", until or "")


def _render(request: Request, state: DashboardState, name: str, **context: Any) -> HTMLResponse:
    return state.templates.TemplateResponse(
        request, name, {"now": state.options.clock(), **context}
    )


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request,
    state: State,
    preset: RangeParam = None,
    since: FromParam = None,
    until: ToParam = None,
) -> HTMLResponse:
    """Every account and the total, with badges."""
    choice = _choice(state, preset, since, until)
    view = views.overview(state.repo, choice.period, state.options)
    return _render(
        request,
        state,
        "overview.html",
        choice=choice,
        view=view,
        overview=payloads.overview(view),
        account_names=[a.name for a in view.accounts],
    )


@router.get("/accounts/{name}", response_class=HTMLResponse)
def account_page(
    request: Request,
    state: State,
    name: str,
    preset: RangeParam = None,
    since: FromParam = None,
    until: ToParam = None,
) -> HTMLResponse:
    """One account: figures, charts, allocation, holdings, flows, runs and live logs."""
    choice = _choice(state, preset, since, until)
    period = choice.period
    try:
        view = views.account(state.repo, name, period, state.options)
    except UnknownAccountError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account named {name!r}") from None
    account_id = view.status.account_id
    return _render(
        request,
        state,
        "account.html",
        choice=choice,
        view=view,
        summary=payloads.summary(view, period),
        holdings=payloads.holdings(name, state.repo.holdings(account_id)),
        flows=payloads.flows(
            name,
            period,
            state.repo.flows(account_id, period.since, period.until, FLOWS_LIMIT + 1),
            FLOWS_LIMIT,
        ),
        runs=payloads.runs(
            name, state.repo.runs(account_id, period.since, period.until, PAGE_RUNS)
        ),
        account_names=state.repo.account_names(),
        newest_snapshot_id=state.repo.newest_snapshot_id(),
    )


@router.get("/docs", response_class=HTMLResponse)
def docs_page(
    request: Request, state: Annotated[DashboardState, Depends(get_state)]
) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, from local files (no CDN, no inline script)."""
    return _render(request, state, "docs.html")

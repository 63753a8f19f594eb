"""The dashboard's dependencies, as ``Annotated`` aliases for the routes.

``State`` is the app's own state (repository, options, watcher, templates), created by
:func:`binfolio.entrypoints.web.dashboard.create_dashboard_app`, never at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.domain.periods import PRESETS, Period, PeriodError, resolve
from binfolio.entrypoints.web.dashboard.options import DashboardOptions
from binfolio.entrypoints.web.dashboard.watcher import Watcher
from binfolio.errors import BinfolioError


class BadRequestError(BinfolioError, ValueError):
    """The request's parameters cannot be understood (answered 400 with the message)."""


class DatabaseNotReadyError(BinfolioError):
    """The database is unreachable, empty or behind the code's migrations."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state


@dataclass
class DashboardState:
    """What the routes share; one per app."""

    repo: DashboardRepo
    options: DashboardOptions
    watcher: Watcher
    templates: Jinja2Templates
    ready: bool = field(default=False)

    def check_ready(self, *, again: bool = False) -> None:
        """Raises: DatabaseNotReadyError unless the database is at the newest migration.

        Once ready the check is not repeated unless ``again``: a query that fails later is
        answered 503 by the app's error handler anyway.
        """
        if self.ready and not again:
            return
        found = self.repo.schema_status()
        if found.error is not None:
            raise DatabaseNotReadyError(
                "unreachable",
                f"{found.url} cannot be reached ({found.error}): check DATABASE_URL or "
                "[database] url, then run `binfolio doctor`",
            )
        if found.current is None:
            raise DatabaseNotReadyError(
                "empty",
                "the database has no tables yet: run `binfolio db upgrade` (or `binfolio init`)",
            )
        if found.current != found.head:
            raise DatabaseNotReadyError(
                "behind",
                f"the database is at migration {found.current}, this binfolio needs "
                f"{found.head}: run `binfolio db upgrade`",
            )
        self.ready = True


def get_state(request: Request) -> DashboardState:
    """The app's :class:`DashboardState`."""
    state: DashboardState = request.app.state.dashboard
    return state


def ready_state(state: Annotated[DashboardState, Depends(get_state)]) -> DashboardState:
    """The state, once the database is known to be ready.

    Raises:
        DatabaseNotReadyError: when it is not.
    """
    state.check_ready()
    return state


State = Annotated[DashboardState, Depends(ready_state)]

RangeParam = Annotated[
    str | None,
    Query(alias="range", description=f"A preset: {', '.join(PRESETS)}.", examples=["30d"]),
]
FromParam = Annotated[
    str | None,
    Query(
        alias="from", description="Start: 2026-01-01 or an ISO time (UTC).", examples=["2026-01-01"]
    ),
]
ToParam = Annotated[
    str | None,
    Query(
        alias="to",
        description="End: a date (that whole day) or an ISO time (UTC); default now.",
        examples=["2026-02-01"],
    ),
]


def period_of(
    state: DashboardState, preset: str | None, since: str | None, until: str | None
) -> Period:
    """Resolve range/from/to as ``binfolio report`` resolves --period/--since/--until.

    Raises:
        BadRequestError: for an unknown preset, both a preset and ``from``, or bad dates.
    """
    # An empty field of the custom-range form means "not given".
    preset, since, until = preset or None, since or None, until or None
    if preset is not None and since is not None:
        raise BadRequestError("give range or from, not both")
    try:
        return resolve(preset=preset, since=since, until=until, now=state.options.clock())
    except PeriodError as exc:
        raise BadRequestError(str(exc)) from None


def api_period(
    state: State, preset: RangeParam = None, since: FromParam = None, until: ToParam = None
) -> Period:
    """The API's period: everything (as ``binfolio report``) unless told otherwise."""
    return period_of(state, preset, since, until)


ApiPeriod = Annotated[Period, Depends(api_period)]

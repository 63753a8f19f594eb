"""``GET /health``: 200 when every account's data is fresh, 503 with the reasons otherwise.

The body is :meth:`binfolio.services.schedule.health.HealthReport.to_json`: the age of each
account's last complete snapshot, circuit states, and the scheduler's next run. Load balancers
and uptime checkers only need the status code; people read the reasons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from binfolio.services.schedule.health import HealthReport

log = logging.getLogger(__name__)

ReadHealth = Callable[[], HealthReport]
"""Builds the report (blocking database reads: the endpoint runs in the thread pool)."""


def health_router(read: ReadHealth) -> APIRouter:
    """A router with ``GET /health`` over ``read``."""
    router = APIRouter(tags=["health"])

    # A plain `def`: FastAPI runs it in its thread pool, so the database reads never block
    # the event loop the scheduler and the other servers share.
    @router.get("/health", summary="Freshness of every account, circuits, next run")
    def health() -> JSONResponse:
        try:
            report = read()
        except Exception as exc:  # the database is down: that is the answer, not a 500
            log.warning("health: cannot read the database: %s", type(exc).__name__)
            body = {
                "status": "unhealthy",
                "reasons": [f"database unavailable: {type(exc).__name__}"],
            }
            return JSONResponse(body, status_code=503)
        return JSONResponse(report.to_json(), status_code=200 if report.ok else 503)

    return router


def has_health_route(app: FastAPI) -> bool:
    """True when ``app`` already answers ``GET /health``."""
    return any(getattr(route, "path", None) == "/health" for route in app.routes)


def create_health_app(read: ReadHealth) -> FastAPI:
    """A FastAPI app with ``GET /health`` only (``serve`` when no other server runs)."""
    app = FastAPI(title="binfolio health", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(health_router(read))
    return app

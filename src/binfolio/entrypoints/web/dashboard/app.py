"""The dashboard app factory: pages, JSON API, live events, health and vendor files.

Read-only (GET only), no CORS, security headers on every response, a token when asked for
(and required off loopback), and a ``Host`` check against DNS rebinding when there is none.
A database that is unreachable, empty or behind on migrations gets a page saying what to run,
never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from binfolio import __version__
from binfolio.adapters.storage.dashboard_repo import (
    DashboardRepo,
    SessionFactory,
)
from binfolio.entrypoints.web.dashboard import formatting, vendor
from binfolio.entrypoints.web.dashboard.deps import (
    BadRequestError,
    DashboardState,
    DatabaseNotReadyError,
)
from binfolio.entrypoints.web.dashboard.options import DashboardOptions
from binfolio.entrypoints.web.dashboard.routes import api, events, health, pages
from binfolio.entrypoints.web.dashboard.watcher import Newest, Watcher
from binfolio.entrypoints.web.security import (
    LOOPBACK_NAMES,
    LoopbackHostMiddleware,
    SecurityHeadersMiddleware,
    TokenAuth,
    require_token_off_loopback,
)
from binfolio.errors import StorageError

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
TOKEN_KEY = "dashboard.token"


def create_dashboard_app(
    source: DashboardRepo | SessionFactory, options: DashboardOptions | None = None
) -> FastAPI:
    """A dashboard over the database behind ``source`` (a session factory, or its repository).

    Raises:
        InsecureBindError: when ``options.host`` is not loopback and no token is set.
    """
    options = options or DashboardOptions()
    require_token_off_loopback(options.host, options.token, key=TOKEN_KEY)
    repo = source if isinstance(source, DashboardRepo) else DashboardRepo(source)
    if options.circuit_states is None:
        # The circuit breakers' states as `serve` stores them (the "circuit open" badge).
        options = replace(options, circuit_states=repo.circuit_states)
    templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    formatting.install(templates.env)
    templates.env.globals.update(
        version=__version__,
        plotly_version=_plotly_version(),
        plotly_style_guards=vendor.plotly_style_guards,
    )

    def read_newest() -> Newest:
        return Newest(*repo.newest_ids())

    app = FastAPI(
        title="binfolio dashboard",
        version=__version__,
        description="NAV against the money-matched benchmark, holdings, flows, runs and logs. "
        "Read-only.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.dashboard = DashboardState(
        repo=repo,
        options=options,
        watcher=Watcher(read_newest, options.poll_interval_s),
        templates=templates,
    )
    app.state.vendor_files = vendor.VendorFiles()
    auth = TokenAuth(options.token, realm="binfolio dashboard")
    protected = [Depends(auth)]

    app.include_router(health.router)
    app.include_router(vendor.router)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    app.include_router(pages.router, dependencies=protected)
    app.include_router(api.router, dependencies=protected)
    app.include_router(events.router, dependencies=protected)

    @app.get("/openapi.json", include_in_schema=False, dependencies=protected)
    def openapi() -> dict[str, Any]:
        return app.openapi()

    _install_error_pages(app, templates)
    app.add_middleware(SecurityHeadersMiddleware)
    if not auth.enabled:  # an empty token is no token: the Host check must stay
        app.add_middleware(LoopbackHostMiddleware, allowed=LOOPBACK_NAMES | {options.host})
    return app


def _plotly_version() -> str:
    from importlib.metadata import version

    return version("plotly")


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/openapi.json", "/health")) or (
        "application/json" in request.headers.get("accept", "")
    )


def _install_error_pages(app: FastAPI, templates: Jinja2Templates) -> None:
    """JSON errors for the API, pages for people; each says what happened and what to do."""

    def answer(
        request: Request,
        code: int,
        title: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": message, **(extra or {})}, code, headers=headers)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": title, "message": message, "code": code, **(extra or {})},
            status_code=code,
            headers=headers,
        )

    @app.exception_handler(DatabaseNotReadyError)
    async def not_ready(request: Request, exc: DatabaseNotReadyError) -> Response:
        titles = {
            "unreachable": "The database cannot be reached",
            "empty": "The database is not set up yet",
            "behind": "The database needs an upgrade",
        }
        title = titles.get(exc.state, "The database is not ready")
        return answer(request, 503, title, str(exc), extra={"database": exc.state})

    @app.exception_handler(BadRequestError)
    async def bad_request(request: Request, exc: BadRequestError) -> Response:
        return answer(request, status.HTTP_400_BAD_REQUEST, "That range is not valid", str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {401: "Sign in needed", 404: "Not found", 405: "Read-only"}
        return answer(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Request refused"),
            str(exc.detail),
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(StorageError)
    async def database_error(request: Request, exc: StorageError) -> Response:
        log.warning("dashboard database error on %s: %s", request.url.path, exc)
        return answer(
            request,
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The database did not answer",
            f"the database failed ({exc}); try again in a moment, and run "
            "`binfolio doctor` if it persists",
        )

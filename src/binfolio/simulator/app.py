"""The FastAPI app factory of the offline Binance."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from binfolio import __version__
from binfolio.simulator.config import SimulatorConfig
from binfolio.simulator.dispatch import Endpoint, serve
from binfolio.simulator.routes import (
    admin,
    fapi_account,
    fapi_market,
    sapi_earn,
    sapi_wallet,
    spot_account,
    spot_market,
    spot_trading,
)
from binfolio.simulator.state import SimState

_ENDPOINT_GROUPS: tuple[list[Endpoint], ...] = (
    spot_market.ENDPOINTS,
    spot_account.ENDPOINTS,
    spot_trading.ENDPOINTS,
    sapi_wallet.ENDPOINTS,
    sapi_earn.ENDPOINTS,
    fapi_market.ENDPOINTS,
    fapi_account.ENDPOINTS,
)


async def _not_found(request: Request, exc: Exception) -> Response:
    # Binance answers unknown paths with 404 and an HTML page; JSON keeps clients' errors readable.
    return JSONResponse(
        {"code": -1000, "msg": f"Unknown endpoint {request.url.path}"}, status_code=404
    )


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """Build a simulator: its own state, the Binance endpoints and the ``/_sim/`` admin API.

    Args:
        config: scenario, seed, speed, start time and limits; defaults suit a demo.

    Returns:
        The ASGI app; its state is at ``app.state.sim`` (a ``SimState``).
    """
    state = SimState(config or SimulatorConfig())
    app = FastAPI(
        title="binfolio Binance simulator",
        version=__version__,
        description="Binance's REST subset for offline demos and tests; admin API under /_sim/.",
        exception_handlers={404: _not_found},
    )
    app.state.sim = state
    for group in _ENDPOINT_GROUPS:
        for endpoint in group:
            app.add_api_route(
                endpoint.path,
                serve(state, endpoint),
                methods=[endpoint.method],
                include_in_schema=False,
            )
    app.include_router(admin.router)  # its routes find the state at app.state.sim
    return app

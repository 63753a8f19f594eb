"""What every admin route shares: loopback only, JSON in, refusals as ``{"error": ...}``.

Routes find the simulator's state at ``request.app.state.sim`` (set by ``create_app``) through
the :data:`Sim` dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse, Response

from binfolio.simulator.market import UnknownSymbolError
from binfolio.simulator.state import SimAccountConflictError, SimState, UnknownSimAccountError

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _explain(exc: RequestValidationError) -> str:
    """Every wrong field of a body, by its dotted path: ``balances.spot.BTC: Input should…``."""
    parts = []
    for error in exc.errors():
        kind = error.get("type")
        if kind == "json_invalid":
            parts.append(f"the body is not JSON ({error.get('ctx', {}).get('error', '')})")
            continue
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        message = "is not a known key" if kind == "extra_forbidden" else error.get("msg")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _as_json(request: Request) -> Request:
    # JSON in, whatever the client declared: `curl -d '{…}'` sends it as a form.
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
    scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}
    return Request(scope, request.receive)


# What an admin call may be refused with; ValueError is what the simulator's state refuses
# (a negative balance, an unknown scenario, a withdrawal larger than the balance, …).
_REFUSALS = (
    RequestValidationError,
    UnknownSimAccountError,
    UnknownSymbolError,
    ValueError,
)


def _refusal(exc: Exception) -> JSONResponse:
    if isinstance(exc, RequestValidationError):
        return _error(400, _explain(exc))
    if isinstance(exc, UnknownSimAccountError):
        return _error(404, str(exc.args[0]))
    if isinstance(exc, UnknownSymbolError):
        return _error(400, f"symbol {exc.args[0]!r} is not simulated")
    return _error(409 if isinstance(exc, SimAccountConflictError) else 400, str(exc))


class AdminRoute(APIRoute):
    """An admin route: every refusal becomes ``{"error": ...}`` with its 4xx status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The FastAPI handler, with the simulator's refusals mapped to statuses."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            # Checked before the body is read: other hosts learn nothing, not even a 400.
            if (request.client.host if request.client else "") not in _LOOPBACK:
                return _error(403, "the admin API answers loopback clients only")
            try:
                return await handler(_as_json(request))
            except _REFUSALS as exc:
                return _refusal(exc)

        return route


async def _sim_state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


Sim = Annotated[SimState, Depends(_sim_state)]

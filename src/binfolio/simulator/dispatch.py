"""How every Binance endpoint is served: faults → weight → auth → handler → headers → log.

Endpoints are declared as data (``Endpoint``) by the router modules and turned into plain
``Request → Response`` callables here. Handlers are synchronous functions of a ``Call`` that
return JSON-ready data (money already formatted as strings) or raise ``BinanceErrorReply``. The hot
path does no validation framework work: parse the raw bytes once, a few dict lookups, one HMAC.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from binfolio.simulator import errors
from binfolio.simulator.accounts import Account
from binfolio.simulator.faults import FaultDecision
from binfolio.simulator.signing import Params, check_signature, check_timestamp
from binfolio.simulator.state import SimState

Security = Literal["NONE", "API_KEY", "USER_DATA", "TRADE"]
_JSON = "application/json;charset=UTF-8"


@dataclass
class Call:
    """One request as a handler sees it."""

    state: SimState
    params: Params
    account: Account | None
    now_ms: int
    """Market time."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers a handler wants to add."""

    @property
    def user(self) -> Account:
        """The authenticated account (signed endpoints only).

        Raises:
            BinanceErrorReply: -2015 if the endpoint was declared without security.
        """
        if self.account is None:
            raise errors.not_permitted()
        return self.account


@dataclass(frozen=True)
class Endpoint:
    """A Binance endpoint: route, weight, pool and security."""

    method: str
    path: str
    handler: Callable[[Call], Any]
    weight: int | Callable[[Params], int] = 1
    security: Security = "NONE"
    uid_weight: bool = False
    """``/sapi`` endpoints weighted per account (UID) rather than per IP."""
    free_on_success: bool = False
    """Successful spot orders cost no weight since 2026-04-02 (Binance's spot changelog)."""

    @property
    def family(self) -> str:
        """The API family: ``api``, ``sapi``, ``fapi`` or ``dapi``."""
        return self.path.split("/", 2)[1]

    def weight_for(self, params: Params | None) -> int:
        """The request weight, which for some endpoints depends on the parameters."""
        if isinstance(self.weight, int):
            return self.weight
        return self.weight(params) if params is not None else 1


def _limit(state: SimState, endpoint: Endpoint) -> tuple[int, str]:
    limits = state.meter.limits
    if endpoint.family == "sapi":
        if endpoint.uid_weight:
            return limits.sapi_uid_weight_1m, "X-SAPI-USED-UID-WEIGHT-1M"
        return limits.sapi_ip_weight_1m, "X-SAPI-USED-IP-WEIGHT-1M"
    if endpoint.family == "api":
        return limits.api_weight_1m, "X-MBX-USED-WEIGHT-1M"
    return limits.fapi_weight_1m, "X-MBX-USED-WEIGHT-1M"


def _pool_key(endpoint: Endpoint, client_ip: str, account: Account | None) -> tuple[Any, ...]:
    if endpoint.family == "sapi":
        if endpoint.uid_weight:
            return ("sapi-uid", endpoint.path, account.uid if account else client_ip)
        return ("sapi-ip", endpoint.path, client_ip)
    return (endpoint.family, client_ip)


def _authenticate(
    state: SimState, endpoint: Endpoint, request: Request, params: Params, raw: tuple[bytes, bytes]
) -> Account:
    key = request.headers.get("x-mbx-apikey")
    if not key:
        raise errors.api_key_missing()
    account = state.accounts_by_key.get(key)
    if account is None:
        raise errors.not_permitted()
    if endpoint.security in ("USER_DATA", "TRADE"):
        check_signature(account.api_secret, *raw)
        check_timestamp(
            params, state.clock.server_ms(), allow_microseconds=endpoint.family == "api"
        )
        permissions = account.permissions
        if not permissions.get("enableReading", True):
            raise errors.not_permitted()
        if endpoint.family in ("fapi", "dapi") and not permissions.get("enableFutures"):
            raise errors.not_permitted()
        trade = endpoint.security == "TRADE" and endpoint.family == "api"
        if trade and not permissions.get("enableSpotAndMarginTrading"):
            raise errors.not_permitted()
    return account


def _respond(status: int, body: Any, headers: dict[str, str]) -> Response:
    headers["Content-Type"] = _JSON
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content=content, status_code=status, headers=headers)


class _Exchange:
    """The bookkeeping of one request: who it is, what it was charged, extra headers."""

    def __init__(
        self, state: SimState, endpoint: Endpoint, request: Request, raw: tuple[bytes, bytes]
    ) -> None:
        self.state, self.endpoint, self.request, self.raw = state, endpoint, request, raw
        self.client_ip = request.client.host if request.client else "unknown"
        self.account: Account | None = None
        self.charged = 0
        self.headers: dict[str, str] = {}
        self.limit, self.header = _limit(state, endpoint)

    def _pool(self) -> tuple[Any, ...]:
        return _pool_key(self.endpoint, self.client_ip, self.account)

    def _charge(self, weight: int) -> None:
        self.charged = weight
        family = self.endpoint.family
        self.state.meter.charge(self._pool(), weight, self.limit, family, self.client_ip)

    def run(self) -> Any:
        """Check limits and security, then run the handler (call with the state lock held).

        Raises:
            BinanceErrorReply: whatever Binance would answer instead of the handler's data.
        """
        state, endpoint = self.state, self.endpoint
        state.meter.check_ban(endpoint.family, self.client_ip)
        try:
            params = Params(*self.raw)
        except errors.BinanceErrorReply:
            # Binance charges malformed requests too.
            self._charge(endpoint.weight if isinstance(endpoint.weight, int) else 1)
            raise
        weight = endpoint.weight_for(params)
        if not endpoint.uid_weight:
            self._charge(weight)
        if endpoint.security != "NONE":
            self.account = _authenticate(state, endpoint, self.request, params, self.raw)
        if endpoint.uid_weight:
            self._charge(weight)
        if self.account is not None and endpoint.security in ("USER_DATA", "TRADE"):
            state.settle(self.account)
        call = Call(state, params, self.account, state.clock.now_ms())
        body = endpoint.handler(call)
        self.headers.update(call.headers)
        if endpoint.free_on_success:
            state.meter.refund(self._pool(), self.charged)
            self.charged = 0
        return body

    def weight_headers(self) -> None:
        """Add the pool's used-weight header(s)."""
        used = str(self.state.meter.used(self._pool()))
        self.headers[self.header] = used
        if self.header == "X-MBX-USED-WEIGHT-1M":
            self.headers["X-MBX-USED-WEIGHT"] = used


def serve(state: SimState, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette handler that serves ``endpoint`` from ``state``."""

    async def handle(request: Request) -> Response:
        lost: FaultDecision | None = None
        if state.faults.active:
            decision = state.faults.decide(request.method, endpoint.path)
            if decision.after_processing and decision.failure is not None:
                lost, decision = decision, FaultDecision(decision.latency_ms)
            if decision.latency_ms or decision.hang_ms:
                await asyncio.sleep((decision.latency_ms + decision.hang_ms) / 1000)
            failure = decision.failure
            if failure is not None:
                _log(
                    state, request.method, endpoint.path, None, 0, failure.http_status, failure.code
                )
                return _respond(failure.http_status, failure.body(), dict(failure.headers))
        exchange = _Exchange(
            state, endpoint, request, (request.scope["query_string"], await request.body())
        )
        code: int | None = None
        with state.lock:
            try:
                body, status = exchange.run(), 200
            except errors.BinanceErrorReply as exc:
                exchange.headers.update(exc.headers)
                status, code, body = exc.http_status, exc.code, exc.body()
            exchange.weight_headers()
            _log(
                state,
                request.method,
                endpoint.path,
                exchange.account,
                exchange.charged,
                status,
                code,
            )
        if lost is not None and lost.failure is not None:
            # Processed, but the answer is lost: hang, then fail as the rule says.
            await asyncio.sleep(lost.hang_ms / 1000)
            return _respond(
                lost.failure.http_status, lost.failure.body(), dict(lost.failure.headers)
            )
        return _respond(status, body, exchange.headers)

    return handle


def _log(
    state: SimState,
    method: str,
    path: str,
    account: Account | None,
    weight: int,
    status: int,
    code: int | None,
) -> None:
    state.requests.append(
        {
            "time_ms": state.clock.wall_ms(),
            "method": method,
            "path": path,
            "account": account.name if account else None,
            "weight": weight,
            "status": status,
            "code": code,
        }
    )

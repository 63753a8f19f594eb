"""Bounded retries for idempotent reads: backoff, Retry-After, -1021 resync, never a bad request."""

from __future__ import annotations

import httpx
import pytest

from binfolio.adapters.binance.endpoints import Endpoint, Pool
from binfolio.adapters.binance.errors import (
    BinanceBadRequestError,
    BinanceBannedError,
    BinanceClockError,
    BinanceTemporaryError,
)
from binfolio.adapters.binance.limiter import WeightLimiter
from tests.adapters.binance_mock import Recorder, make_client, params_of

OK_ACCOUNT = {"balances": [{"asset": "BTC", "free": "1.5", "locked": "0.5"}]}


def _sequence(*responses: httpx.Response) -> object:
    answers = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return handler


async def test_server_errors_are_retried_with_backoff_then_succeed() -> None:
    recorder = Recorder()
    handler = _sequence(
        httpx.Response(503, json={"code": -1008, "msg": "overloaded"}),
        httpx.Response(500, json={"code": -1001, "msg": "internal"}),
        httpx.Response(200, json=OK_ACCOUNT),
    )
    client = make_client(handler, recorder, server_ms=1)  # type: ignore[arg-type]

    holdings = await client.spot_holdings()

    assert [h.amount for h in holdings] == [2]
    assert recorder.paths().count("/api/v3/account") == 3
    assert client.stats.retries == 2
    assert len(recorder.sleeps) == 2
    assert all(0 < s <= 1.0 for s in recorder.sleeps)
    assert client.stats.requests == 4  # time + three attempts
    assert client.stats.weight == 1 + 3 * 20


async def test_retries_are_bounded_and_the_last_error_surfaces() -> None:
    recorder = Recorder()
    handler = _sequence(httpx.Response(502, json={"code": -1001, "msg": "bad gateway"}))
    client = make_client(handler, recorder, server_ms=1)  # type: ignore[arg-type]

    with pytest.raises(BinanceTemporaryError, match="HTTP 502"):
        await client.spot_holdings()
    assert recorder.paths().count("/api/v3/account") == 3


async def test_timeouts_are_retried() -> None:
    recorder = Recorder()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectTimeout("slow", request=request)
        return httpx.Response(200, json=OK_ACCOUNT)

    client = make_client(handler, recorder, server_ms=1)
    assert len(await client.spot_holdings()) == 1
    assert len(calls) == 2


async def test_429_waits_retry_after_then_retries() -> None:
    recorder = Recorder()
    handler = _sequence(
        httpx.Response(429, headers={"Retry-After": "7"}, json={"code": -1003, "msg": "weight"}),
        httpx.Response(200, json=OK_ACCOUNT),
    )
    client = make_client(handler, recorder, server_ms=1)  # type: ignore[arg-type]

    await client.spot_holdings()

    # The limiter holds the pool for Retry-After (plus its 10 ms margin), nothing more.
    assert recorder.sleeps == [pytest.approx(7.01)]
    assert recorder.paths().count("/api/v3/account") == 2


async def test_bad_requests_are_never_retried() -> None:
    recorder = Recorder()
    handler = _sequence(httpx.Response(400, json={"code": -1102, "msg": "Mandatory parameter"}))
    client = make_client(handler, recorder, server_ms=1)  # type: ignore[arg-type]

    with pytest.raises(BinanceBadRequestError):
        await client.spot_holdings()
    assert recorder.paths().count("/api/v3/account") == 1
    assert recorder.sleeps == []


async def test_a_non_idempotent_call_is_sent_once_even_on_a_5xx() -> None:
    recorder = Recorder()
    handler = _sequence(httpx.Response(503, json={"code": -1008, "msg": "overloaded"}))
    client = make_client(handler, recorder, server_ms=1)  # type: ignore[arg-type]
    order = Endpoint("POST", "/api/v3/order", 1, Pool.API, idempotent=False)

    with pytest.raises(BinanceTemporaryError):
        await client._signed(order, {"symbol": "BTCUSDT"})
    assert recorder.paths().count("/api/v3/order") == 1


async def test_minus_1021_resyncs_the_server_time_and_retries_once() -> None:
    recorder = Recorder()
    server_ms = [1_000_000]
    stamps: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":
            return httpx.Response(200, json={"serverTime": server_ms[0]})
        stamps.append(int(params_of(request)["timestamp"]))
        if len(stamps) == 1:
            server_ms[0] = 9_000_000  # Binance's clock "jumped": our offset is stale
            return httpx.Response(400, json={"code": -1021, "msg": "outside of the recvWindow"})
        return httpx.Response(200, json=OK_ACCOUNT)

    client = make_client(handler, recorder)
    await client.spot_holdings()

    assert recorder.paths() == [
        "/api/v3/time",
        "/api/v3/account",
        "/api/v3/time",
        "/api/v3/account",
    ]
    assert stamps == [1_000_000, 9_000_000]
    assert client.time_offset.syncs == 2


async def test_a_second_minus_1021_is_final() -> None:
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": -1021, "msg": "outside of the recvWindow"})

    client = make_client(handler, recorder, server_ms=5)
    with pytest.raises(BinanceClockError):
        await client.spot_holdings()
    assert recorder.paths().count("/api/v3/account") == 2


async def test_a_418_stops_every_client_sharing_the_limiter_without_another_request() -> None:
    limiter = WeightLimiter()
    first, second = Recorder(), Recorder()

    def banned(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, json={"code": -1003, "msg": "IP banned until 1795000000000."})

    client_a = make_client(banned, first, limiter=limiter, server_ms=1)
    client_b = make_client(banned, second, limiter=limiter, server_ms=1)

    with pytest.raises(BinanceBannedError):
        await client_a.spot_holdings()
    assert first.paths().count("/api/v3/account") == 1  # a ban is not retried
    with pytest.raises(BinanceBannedError):
        await client_b.futures_holdings()
    assert second.requests == []

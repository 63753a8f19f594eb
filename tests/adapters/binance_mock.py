"""Helpers for client tests over ``httpx.MockTransport``: a recorded fake Binance."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.rest import RetryPolicy

API_KEY = "test-key"
API_SECRET = "test-secret"
BASE = "https://binance.test"
FUTURES = "https://fapi.binance.test"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


def signature_ok(request: httpx.Request) -> bool:
    """Recompute the HMAC over query + body without the signature pair (docs/binance.md)."""
    raw = request.url.query.decode() + request.content.decode()
    payload, _, sent = raw.rpartition("&signature=")
    expected = hmac.new(API_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)


def params_of(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode() + request.content.decode()))


@dataclass
class Recorder:
    """Sleeps recorded instead of slept; requests recorded as they arrive."""

    sleeps: list[float] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    now_s: float = 1000.0

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.now_s += seconds

    def monotonic(self) -> float:
        return self.now_s

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


Handler = Callable[[httpx.Request], httpx.Response]


def time_response(server_ms: int) -> httpx.Response:
    return httpx.Response(200, json={"serverTime": server_ms})


def make_client(
    handler: Handler,
    recorder: Recorder,
    *,
    limiter: WeightLimiter | None = None,
    retry: RetryPolicy | None = None,
    server_ms: int | None = None,
) -> BinanceClient:
    """A client on a MockTransport; ``/api/v3/time`` answers ``server_ms`` unless handled."""

    def record(request: httpx.Request) -> httpx.Response:
        recorder.requests.append(request)
        if request.url.path == "/api/v3/time" and server_ms is not None:
            return time_response(server_ms)
        return handler(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    return BinanceClient(
        http,
        base_url=BASE,
        futures_base_url=FUTURES,
        api_key=SecretStr(API_KEY),
        api_secret=SecretStr(API_SECRET),
        limiter=limiter or WeightLimiter(monotonic=recorder.monotonic, sleep=recorder.sleep),
        clock=fixed_clock,
        recv_window_ms=5000,
        retry=retry or RetryPolicy(attempts=3, backoff_initial_s=0.1, backoff_max_s=1.0),
        sleep=recorder.sleep,
    )

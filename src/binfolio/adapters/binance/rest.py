"""The request loop every Binance client shares: limiter, send, error check, bounded retries.

Retries (tenacity) apply to idempotent reads only, and only to temporary failures: 5xx,
timeouts, dropped connections, and 429 after its ``Retry-After``. A 418 bans the whole
limiter, so every other client of the run stops too.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)

from binfolio.adapters.binance import translate
from binfolio.adapters.binance.endpoints import USED_WEIGHT_HEADERS, Endpoint, Pool
from binfolio.adapters.binance.errors import (
    BinanceBannedError,
    BinanceError,
    BinanceRateLimitedError,
    BinanceTemporaryError,
)
from binfolio.adapters.binance.limiter import WeightLimiter, pool_key
from binfolio.domain.clock import Clock


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently an idempotent read is repeated."""

    attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 2.0
    # A Retry-After longer than this is not waited out inside a run: the call fails instead.
    max_retry_after_s: float = 30.0


@dataclass
class RequestStats:
    """What one client spent: requests, IP weight, UID weight, retries and failed attempts.

    ``weight`` counts the IP-weighted pools that all accounts on this host share; the per-account
    UID pools (withdraw history: 18000 a call) are counted apart in ``uid_weight``.
    """

    requests: int = 0
    weight: int = 0
    uid_weight: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)


QueryBuilder = Callable[[], str]
"""Builds the encoded query (or form body) per attempt, so each retry is signed afresh."""


class RestCore:
    """Sends requests for one account (or for public data) through a shared limiter."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        futures_base_url: str,
        limiter: WeightLimiter,
        clock: Clock,
        retry: RetryPolicy | None = None,
        account_id: str = "",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._futures_base_url = futures_base_url.rstrip("/")
        self._limiter = limiter
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._account_id = account_id
        self._sleep = sleep
        self.stats = RequestStats()

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, BinanceRateLimitedError):
            return exc.retry_after_s <= self._retry.max_retry_after_s
        return isinstance(exc, BinanceTemporaryError)

    def _wait_s(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, BinanceRateLimitedError):
            return 0.0  # the limiter holds the whole pool for Retry-After (see _attempt)
        # Exponential backoff with jitter, so that accounts failing together retry apart.
        initial = self._retry.backoff_initial_s
        backoff = initial * 2.0 ** (int(state.attempt_number) - 1)
        jitter = random.uniform(0, initial)  # noqa: S311  (spreading retries, not cryptography)
        return min(self._retry.backoff_max_s, backoff + jitter)

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1

    async def call(
        self, endpoint: Endpoint, query: QueryBuilder, headers: dict[str, str] | None = None
    ) -> Any:
        """Send one request (retried when that is safe) and return its JSON body.

        Raises:
            BinanceError: the final failure, typed (see ``errors``).
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts if endpoint.idempotent else 1),
            wait=self._wait_s,
            retry=retry_if_exception(self._retryable),
            before_sleep=self._count_retry,
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(endpoint, query, headers or {})
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _attempt(
        self, endpoint: Endpoint, build_query: QueryBuilder, headers: dict[str, str]
    ) -> Any:
        key = pool_key(endpoint, self._account_id)
        await self._limiter.acquire(key, endpoint.weight)
        query = build_query()  # stamped after any wait, so the timestamp is fresh
        base = self._futures_base_url if endpoint.futures else self._base_url
        if endpoint.method == "GET":
            url = f"{base}{endpoint.path}" + (f"?{query}" if query else "")
            request = self._http.build_request("GET", url, headers=headers)
        else:
            form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
            request = self._http.build_request(
                endpoint.method, f"{base}{endpoint.path}", content=query, headers=form
            )
        self.stats.requests += 1
        if endpoint.pool is Pool.SAPI_UID:
            self.stats.uid_weight += endpoint.weight
        else:
            self.stats.weight += endpoint.weight
        try:
            response = await translate.send(self._http, request, endpoint.name)
            self._limiter.observe(key, _used_weight(response, endpoint))
            translate.check(response, endpoint.name, self._clock())
            return translate.decode_json(response, endpoint.name)
        except BinanceBannedError as exc:
            self._limiter.ban(exc)
            self.stats.errors.append(str(exc))
            raise
        except BinanceRateLimitedError as exc:
            self._limiter.pause(key, exc.retry_after_s)
            self.stats.errors.append(str(exc))
            raise
        except BinanceError as exc:
            self._limiter.observe(key, None)
            self.stats.errors.append(str(exc))
            raise


def _used_weight(response: httpx.Response, endpoint: Endpoint) -> int | None:
    raw = response.headers.get(USED_WEIGHT_HEADERS[endpoint.pool])
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None

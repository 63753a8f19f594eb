"""The limiter keeps each pool under its budget by waiting, never by failing."""

from __future__ import annotations

import asyncio

import pytest

from binfolio.adapters.binance.endpoints import (
    EARN_FLEXIBLE,
    SPOT_ACCOUNT,
    WITHDRAW_HISTORY,
    Pool,
)
from binfolio.adapters.binance.errors import BinanceBannedError
from binfolio.adapters.binance.limiter import WeightLimiter, pool_key
from tests.adapters.binance_mock import Recorder

API = (Pool.API, "", "")


def _limiter(recorder: Recorder, fraction: float = 1.0) -> WeightLimiter:
    limits = {Pool.API: 100, Pool.SAPI_IP: 1000, Pool.SAPI_UID: 180000, Pool.FAPI: 50}
    return WeightLimiter(
        budget_fraction=fraction, limits=limits, monotonic=recorder.monotonic, sleep=recorder.sleep
    )


def test_pools_follow_binance_rules_ip_per_endpoint_and_uid_per_account() -> None:
    assert pool_key(SPOT_ACCOUNT, "acct-a") == pool_key(SPOT_ACCOUNT, "acct-b")
    assert pool_key(EARN_FLEXIBLE, "a") == (Pool.SAPI_IP, EARN_FLEXIBLE.path, "")
    assert pool_key(WITHDRAW_HISTORY, "a") != pool_key(WITHDRAW_HISTORY, "b")


async def test_requests_within_budget_pass_without_waiting() -> None:
    recorder = Recorder()
    limiter = _limiter(recorder)
    limiter.observe(API, 0)
    for _ in range(5):
        await limiter.acquire(API, 20)
    assert recorder.sleeps == []
    assert limiter.used(API) == 100


async def test_a_request_over_budget_waits_until_enough_weight_leaves_the_window() -> None:
    recorder = Recorder()
    limiter = _limiter(recorder)
    limiter.observe(API, 0)
    await limiter.acquire(API, 60)  # at t=1000
    recorder.now_s += 30
    await limiter.acquire(API, 30)  # at t=1030
    await limiter.acquire(API, 40)  # 130 > 100: waits until the first 60 leave (t=1060)

    assert recorder.sleeps == [pytest.approx(30.01)]
    assert limiter.used(API) == 70
    assert limiter.waits == 1


async def test_budget_fraction_leaves_headroom_below_the_binance_limit() -> None:
    recorder = Recorder()
    limiter = _limiter(recorder, fraction=0.9)
    limiter.observe(API, 0)
    await limiter.acquire(API, 90)
    await limiter.acquire(API, 1)
    assert len(recorder.sleeps) == 1


async def test_weight_reported_by_binance_beyond_ours_counts_as_outside_use() -> None:
    recorder = Recorder()
    limiter = _limiter(recorder)
    await limiter.acquire(API, 10)
    limiter.observe(API, 95)  # another process on this IP spent 85
    assert limiter.used(API) == 95
    await limiter.acquire(API, 10)
    assert len(recorder.sleeps) == 1


async def test_an_unobserved_pool_bursts_only_the_headroom_before_the_first_answer() -> None:
    # Budget 90 of 100: before any header, only 10 may be in flight (an earlier process may
    # have used its whole 90 this minute).
    limiter = WeightLimiter(budget_fraction=0.9, limits={Pool.API: 100})
    await limiter.acquire(API, 4)
    await limiter.acquire(API, 6)
    waiting = asyncio.create_task(limiter.acquire(API, 1))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    limiter.observe(API, 10)  # the first answer: nobody else used this pool
    await asyncio.wait_for(waiting, 1)
    assert limiter.used(API) == 11


async def test_a_first_request_heavier_than_the_headroom_still_goes_alone() -> None:
    limiter = WeightLimiter(budget_fraction=0.9, limits={Pool.SAPI_IP: 100})
    key = (Pool.SAPI_IP, "/sapi/x", "")
    await asyncio.wait_for(limiter.acquire(key, 60), 1)
    assert limiter.used(key) == 60


async def test_a_429_pauses_its_pool_for_retry_after() -> None:
    recorder = Recorder()
    limiter = _limiter(recorder)
    limiter.observe(API, 0)
    limiter.pause(API, 12)
    await limiter.acquire(API, 1)
    assert recorder.sleeps == [pytest.approx(12.01)]


async def test_after_a_ban_every_acquire_raises_the_ban() -> None:
    limiter = _limiter(Recorder())
    ban = BinanceBannedError("banned", endpoint="GET /api/v3/account", until=None)
    limiter.ban(ban)
    with pytest.raises(BinanceBannedError):
        await limiter.acquire((Pool.FAPI, "", ""), 5)
    assert limiter.banned is ban

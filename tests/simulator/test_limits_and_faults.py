"""Weight pools and their headers, 429 with Retry-After, the 418 ban, and injected faults."""

from __future__ import annotations

import time

from tests.simulator.helpers import Sim


async def test_exhausted_weight_is_1003_with_429_and_retry_after(sim: Sim) -> None:
    keys = await sim.account()
    await sim.admin("POST", "/limits", {"api_weight_1m": 30})

    first = await sim.signed("GET", "/api/v3/account", keys)
    second = await sim.signed("GET", "/api/v3/account", keys)

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json()["code"] == -1003
    assert "current limit is 30 request weight per 1 MINUTE" in second.json()["msg"]
    assert 1 <= int(second.headers["retry-after"]) <= 60
    assert second.headers["x-mbx-used-weight-1m"] == "40"


async def test_a_client_that_keeps_going_after_429s_is_banned_with_418(sim: Sim) -> None:
    await sim.admin(
        "POST", "/limits", {"api_weight_1m": 1, "ban_after_429s": 2, "ban_seconds": 120}
    )

    statuses = [(await sim.public("/api/v3/ping")).status_code for _ in range(4)]
    banned = await sim.public("/api/v3/time")
    futures = await sim.public("/fapi/v1/ping")

    assert statuses == [200, 429, 429, 418]
    assert banned.status_code == 418
    assert banned.json()["code"] == -1003
    assert "IP banned until" in banned.json()["msg"]
    assert int(banned.headers["retry-after"]) > 60
    assert futures.status_code == 200  # the ban covers the /api family only


async def test_pools_are_separate_per_family_and_sapi_endpoint(sim: Sim) -> None:
    keys = await sim.account()

    await sim.public("/api/v3/exchangeInfo")
    fapi = await sim.public("/fapi/v1/ping")
    deposits = await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys)
    restrictions = await sim.signed("GET", "/sapi/v1/account/apiRestrictions", keys)
    api = await sim.public("/api/v3/ping")

    assert fapi.headers["x-mbx-used-weight-1m"] == "1"
    assert deposits.headers["x-sapi-used-ip-weight-1m"] == "1"
    assert restrictions.headers["x-sapi-used-ip-weight-1m"] == "1"
    assert api.headers["x-mbx-used-weight-1m"] == "21"


async def test_withdraw_history_uid_weight_allows_ten_calls_a_minute(sim: Sim) -> None:
    keys = await sim.account()
    other = await sim.account("other")

    answers = [
        await sim.signed("GET", "/sapi/v1/capital/withdraw/history", keys) for _ in range(11)
    ]
    other_answer = await sim.signed("GET", "/sapi/v1/capital/withdraw/history", other)

    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[9].headers["x-sapi-used-uid-weight-1m"] == "180000"
    assert other_answer.status_code == 200  # each account has its own UID pool


async def test_request_log_records_method_path_account_weight_status(sim: Sim) -> None:
    keys = await sim.account()
    await sim.signed("GET", "/api/v3/account", keys)
    await sim.signed("GET", "/api/v3/account", keys, secret="wrong")

    log = (await sim.admin("GET", "/requests"))["requests"]

    assert [
        (r["method"], r["path"], r["account"], r["weight"], r["status"], r["code"]) for r in log
    ] == [
        ("GET", "/api/v3/account", "main", 20, 200, None),
        ("GET", "/api/v3/account", None, 20, 400, -1022),
    ]


async def test_request_log_is_bounded(sim: Sim) -> None:
    sim.state.requests = type(sim.state.requests)(maxlen=3)

    for _ in range(5):
        await sim.public("/api/v3/ping")

    assert len((await sim.admin("GET", "/requests"))["requests"]) == 3


async def test_forced_status_on_one_endpoint_fires_the_given_times(sim: Sim) -> None:
    await sim.admin(
        "POST", "/faults", {"endpoint": "/api/v3/ticker/price", "status": 503, "times": 2}
    )

    statuses = [(await sim.public("/api/v3/ticker/price")).status_code for _ in range(3)]
    other = await sim.public("/api/v3/ping")

    assert statuses == [503, 503, 200]
    assert other.status_code == 200
    assert (await sim.admin("GET", "/faults"))["faults"] == []


async def test_forced_429_and_418_carry_retry_after(sim: Sim) -> None:
    await sim.admin("POST", "/faults", {"endpoint": "/fapi/", "status": 429, "retry_after": 7})

    limited = await sim.public("/fapi/v1/time")
    await sim.admin("POST", "/faults", {"endpoint": "/fapi/*", "status": 418, "replace": True})
    banned = await sim.public("/fapi/v1/time")

    assert (limited.status_code, limited.json()["code"], limited.headers["retry-after"]) == (
        429,
        -1003,
        "7",
    )
    assert (banned.status_code, banned.json()["code"]) == (418, -1003)


async def test_error_rate_fails_about_that_share_of_requests(sim: Sim) -> None:
    await sim.admin("POST", "/faults", {"error_rate": 0.5, "status": 500})

    statuses = [(await sim.public("/api/v3/ping")).status_code for _ in range(200)]

    assert 60 < statuses.count(500) < 140
    assert set(statuses) == {200, 500}


async def test_latency_and_timeouts_delay_the_answer(sim: Sim) -> None:
    await sim.admin("POST", "/faults", {"endpoint": "/api/v3/time", "latency_ms": 150})
    await sim.admin(
        "POST", "/faults", {"endpoint": "/api/v3/ping", "timeout": True, "timeout_ms": 200}
    )

    started = time.perf_counter()
    slow = await sim.public("/api/v3/time")
    slow_s = time.perf_counter() - started
    started = time.perf_counter()
    timed_out = await sim.public("/api/v3/ping")
    timeout_s = time.perf_counter() - started

    assert slow.status_code == 200
    assert slow_s >= 0.15
    assert (timed_out.status_code, timed_out.json()["code"]) == (504, -1007)
    assert timeout_s >= 0.2


async def test_clearing_faults_restores_service(sim: Sim) -> None:
    await sim.admin("POST", "/faults", {"status": 500})
    await sim.admin("DELETE", "/faults")

    assert (await sim.public("/api/v3/ping")).status_code == 200

"""Faults injected in the simulator: what retries, what turns partial, what stops the run."""

from __future__ import annotations

from pathlib import Path

from binfolio.simulator.testing import SimulatorHandle
from tests.services.collect_support import requests_to, run, simple_account, sqlite_factory, target


async def test_429_retry_after_is_honoured_and_the_run_completes(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/api/v3/account", status=429, retry_after=1, times=1)
    simulator.clear_requests_log()

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    assert result.status == "complete"
    limited, retried = requests_to(simulator, "/api/v3/account")
    assert (limited["status"], retried["status"]) == (429, 200)
    assert retried["time_ms"] - limited["time_ms"] >= 1000
    assert len(requests_to(simulator, "/api/v3/account")) == 2


async def test_418_stops_the_run_with_a_clear_message(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    targets = [target(simple_account(simulator, name)) for name in ("a", "b", "c")]
    simulator.set_faults(endpoint="/fapi/v3/account", status=418, retry_after=120)
    simulator.clear_requests_log()

    result = await run(simulator, targets, sqlite_factory(tmp_path), concurrency=1)

    assert result.banned
    assert result.status == "failed"
    assert any("Binance banned this IP until" in e for e in result.errors)
    assert "do not run it again before then" in result.errors[0]
    first, *rest = result.accounts
    assert first.status.value == "failed"
    assert "banned" in first.errors[0]
    for account in rest:
        assert account.status.value == "failed"
        assert account.errors[0].startswith("not collected: Binance banned this IP")
    # Nothing was sent for the accounts after the ban, and the 418 was not retried.
    assert {e["account"] for e in simulator.requests_log()} <= {None, "a"}
    assert len(requests_to(simulator, "/fapi/v3/account")) == 1


async def test_server_errors_are_retried_then_the_wallet_fails_and_the_snapshot_is_partial(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/sapi/v1/asset/get-funding-asset", status=503)
    simulator.clear_requests_log()

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    [account] = result.accounts
    assert account.status.value == "partial"
    assert account.wallet_totals["funding"] is None
    assert account.wallet_totals["spot"] is not None
    assert account.errors[0].startswith("funding: POST /sapi/v1/asset/get-funding-asset: HTTP 503")
    assert len(requests_to(simulator, "/sapi/v1/asset/get-funding-asset")) == 3
    assert result.status == "partial"


async def test_a_single_server_error_is_retried_and_leaves_no_trace_on_the_status(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/fapi/v3/account", status=500, times=1)

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    assert result.accounts[0].status.value == "complete"


async def test_timeouts_are_retried_then_the_snapshot_is_partial(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/fapi/v3/account", timeout=True, timeout_ms=1500)
    simulator.clear_requests_log()

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path), http_timeout_s=0.2)

    [account] = result.accounts
    assert account.status.value == "partial"
    assert "futures: GET /fapi/v3/account: timed out" in account.errors[0]
    assert account.wallet_totals["futures"] is None


async def test_a_run_deadline_turns_slow_wallets_into_reasons_not_a_hang(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/fapi/v3/account", latency_ms=3000)

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path), deadline_s=1.0)

    assert result.duration_ms < 2500
    [account] = result.accounts
    assert account.status.value == "partial"
    assert "not read before the run deadline (1 s)" in account.errors[0]


async def test_a_revoked_key_fails_its_account_while_the_others_complete(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    targets = [target(simple_account(simulator, name)) for name in ("a", "revoked", "c")]
    simulator.set_permissions("revoked", enableReading=False)

    result = await run(simulator, targets, sqlite_factory(tmp_path))

    status = {a.account: a.status.value for a in result.accounts}
    assert status == {"a": "complete", "revoked": "failed", "c": "complete"}
    revoked = next(a for a in result.accounts if a.account == "revoked")
    assert "check the API key" in revoked.errors[0]
    assert revoked.nav_usdt is None
    assert result.status == "partial"


async def test_a_skewed_server_clock_is_absorbed_by_the_time_sync(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "main")
    simulator.set_clock(skew_ms=-45_000)  # far outside any recvWindow without the offset

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    assert result.accounts[0].status.value == "complete"
    assert not [e for e in simulator.requests_log() if e["code"] == -1021]


async def test_without_prices_no_account_is_valued_and_each_says_why(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    targets = [target(simple_account(simulator, name)) for name in ("a", "b")]
    simulator.set_faults(endpoint="/api/v3/ticker/price", status=503)
    simulator.clear_requests_log()

    result = await run(simulator, targets, sqlite_factory(tmp_path))

    assert result.status == "failed"
    assert all(a.status.value == "failed" for a in result.accounts)
    assert all("prices unavailable" in a.errors[0] for a in result.accounts)
    assert {e["account"] for e in simulator.requests_log()} == {None}  # no account was read

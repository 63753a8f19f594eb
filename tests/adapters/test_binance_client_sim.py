"""The client against the simulator over real HTTP: time resync, paging, history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D

import httpx
import pytest
from pydantic import SecretStr

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.errors import BinanceAuthError
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.domain.clock import utc_now
from binfolio.domain.snapshot import Wallet
from binfolio.simulator.testing import Credentials, SimulatorHandle


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def _client(sim: SimulatorHandle, http: httpx.AsyncClient, creds: Credentials) -> BinanceClient:
    return BinanceClient(
        http,
        base_url=sim.base_url,
        futures_base_url=sim.base_url,
        api_key=SecretStr(creds.api_key),
        api_secret=SecretStr(creds.api_secret),
        limiter=WeightLimiter(),
        clock=utc_now,
        recv_window_ms=5000,
    )


async def test_minus_1021_resyncs_the_offset_and_the_retry_succeeds(
    simulator: SimulatorHandle, http: httpx.AsyncClient
) -> None:
    creds = simulator.create_account("main", balances={"spot": {"USDT": "10"}})
    client = _client(simulator, http, creds)
    await client.spot_holdings()  # syncs the offset
    simulator.set_clock(skew_ms=30_000)  # Binance's clock moves 30 s ahead of what we measured
    simulator.clear_requests_log()

    holdings = await client.spot_holdings()

    assert [h.asset for h in holdings] == ["USDT"]
    log = [(e["path"], e["code"]) for e in simulator.requests_log()]
    assert log == [
        ("/api/v3/account", -1021),
        ("/api/v3/time", None),
        ("/api/v3/account", None),
    ]
    assert client.time_offset.syncs == 2


async def test_earn_positions_are_read_page_by_page_until_the_total(
    simulator: SimulatorHandle, http: httpx.AsyncClient
) -> None:
    assets = {f"A{i}": str(i) for i in range(1, 8)}
    creds = simulator.create_account("earner", balances={"earn_flexible": assets})
    client = _client(simulator, http, creds)
    simulator.clear_requests_log()

    holdings = await client.earn_holdings(Wallet.EARN_FLEXIBLE, page_size=3)

    assert sorted(h.asset for h in holdings) == sorted(assets)
    assert sum(h.amount for h in holdings) == 28
    pages = [e for e in simulator.requests_log() if "simple-earn" in e["path"]]
    assert len(pages) == 3  # 3 + 3 + 1


async def test_history_calls_return_binance_records_for_the_ledger(
    simulator: SimulatorHandle, http: httpx.AsyncClient
) -> None:
    creds = simulator.create_account("main", balances={"spot": {"USDT": "1000"}})
    now_ms = simulator.now_ms()
    simulator.add_deposit("main", "USDT", "250", status=1, time_ms=now_ms - 60_000)
    simulator.add_withdrawal("main", "USDT", "100", fee="1", status=6, time_ms=now_ms - 30_000)
    client = _client(simulator, http, creds)

    deposits = await client.deposit_history(start_ms=now_ms - 3_600_000, end_ms=now_ms)
    withdrawals = await client.withdraw_history(start_ms=now_ms - 3_600_000, end_ms=now_ms)
    klines = await client.klines("BTCUSDT", "1m", start_ms=now_ms - 120_000, limit=2)

    assert [(d["coin"], d["amount"], d["status"]) for d in deposits] == [("USDT", "250", 1)]
    assert [(D(w["amount"]), D(w["transactionFee"])) for w in withdrawals] == [(100, 1)]
    assert len(klines) == 2
    assert isinstance(klines[0][4], str)  # close, as Binance's string


async def test_an_unknown_key_is_an_auth_error_naming_the_fix(
    simulator: SimulatorHandle, http: httpx.AsyncClient
) -> None:
    fake = Credentials("ghost", "not-a-key", "not-a-secret")
    with pytest.raises(BinanceAuthError, match="check the API key"):
        await _client(simulator, http, fake).spot_holdings()

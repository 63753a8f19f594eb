"""A run against the simulator over real HTTP: exact NAV, one price request, stored rows."""

from __future__ import annotations

import ssl
from collections import Counter
from decimal import Decimal as D
from pathlib import Path

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from binfolio.adapters.binance.exchange import tls_context
from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import (
    CashFlowRow,
    LedgerSyncRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.flows import CashFlow, FlowKind
from binfolio.domain.types import Asset
from binfolio.services.collect.options import FlowContext
from binfolio.services.collect.run import collect
from binfolio.services.ports import FlowPrice, LedgerUpdate
from binfolio.simulator.testing import Credentials, SimulatorHandle
from tests.services.collect_support import (
    PRICES,
    exchange,
    options,
    place_limit_buy,
    requests_to,
    run,
    simple_account,
    sqlite_factory,
    target,
)


def _rich_account(sim: SimulatorHandle) -> Credentials:
    sim.set_prices(PRICES)
    creds = sim.create_account(
        "rich",
        balances={
            "spot": {
                "USDT": "1500",
                "BTC": "0.5",
                "ETH": "2",
                "ARDR": "10000",
                "ZEN": "100",
                "TRY": "3400",
                "FOO": "42",  # no market at all
            },
            "funding": {"USDT": "250", "ETH": "0.5"},
            "earn_flexible": {"USDT": "300", "BTC": "0.01", "ETH": "1"},
            "earn_locked": {"BNB": "3", "ETH": "0.2", "USDT": "50"},
            "futures": {"USDT": "1000", "BNB": "2"},
        },
    )
    # Lock 500 USDT in an open order; sim.create_account set them free.
    place_limit_buy(sim, creds, quantity="0.01", price="50000")
    # Long 0.1 BTC from 61000, marked at 60000: an unrealised loss of 100 USDT.
    sim.set_positions("rich", [{"symbol": "BTCUSDT", "amount": "0.1", "entry_price": "61000"}])
    sim.clear_requests_log()
    return creds


async def test_nav_of_an_account_with_every_kind_of_holding_is_exact(
    simulator: SimulatorHandle, engine: Engine
) -> None:
    creds = _rich_account(simulator)
    factory = make_session_factory(engine)

    # Two Earn rows per page: three flexible and three locked positions take two pages each.
    result = await run(
        simulator, [target(creds)], factory, earn_page_size=2, benchmark_assets=frozenset({"BNB"})
    )

    # By hand, at BTC 60000, ETH 3000, BNB 600, ARDR 0.0000015 BTC, ZEN 0.003 ETH, 34 TRY/USDT:
    spot = (
        D("1500")  # USDT: 1000 free + 500 locked in the open order
        + D("0.5") * 60000  # BTC 30000
        + 2 * D("3000")  # ETH 6000
        + 10000 * D("0.0000015") * 60000  # ARDR via BTC: 900
        + 100 * D("0.003") * 3000  # ZEN via ETH: 900
        + 3400 / D("34")  # TRY via the inverse pair: 100
        + 0  # FOO: unpriced, flagged
    )
    funding = D("250") + D("0.5") * 3000  # 1750
    earn = (D("300") + D("0.01") * 60000 + 3000) + (3 * D("600") + D("0.2") * 3000 + 50)
    futures = (D("1000") - 100) + 2 * D("600")  # margin balance USDT 900 + BNB 1200
    assert (spot, funding, earn, futures) == (D("39400"), D("1750"), D("6350"), D("2100"))

    [account] = result.accounts
    assert account.status.value == "complete"
    assert account.wallet_totals == {
        "spot": spot,
        "funding": funding,
        "earn": earn,
        "futures": futures,
    }
    assert account.nav_usdt == spot + funding + earn + futures == D("49600")
    assert account.unpriced == ("FOO",)
    assert account.reconciliation is not None
    # Binance (the simulator) rounds each wallet to 8 decimals: a drift far below 1%.
    assert abs(account.reconciliation.binance_total_usdt - D("49600")) < D("0.0001")
    assert not account.reconciliation.flagged

    log = simulator.requests_log()
    earn_paths = [r["path"] for r in log if "simple-earn" in r["path"]]
    assert earn_paths.count("/sapi/v1/simple-earn/flexible/position") == 2
    assert earn_paths.count("/sapi/v1/simple-earn/locked/position") == 2
    assert account.requests == len([r for r in log if r["account"] == "rich"])

    with Session(engine) as session:
        snapshot = session.scalars(select(SnapshotRow)).one()
        assert (snapshot.status, snapshot.nav_usdt) == ("complete", D("49600"))
        assert snapshot.unpriced == ["FOO"]
        assert snapshot.binance_total_usdt == account.reconciliation.binance_total_usdt
        assert snapshot.drift_pct is not None
        assert abs(snapshot.drift_pct) < D("0.000001")
        assert snapshot.drift_flagged is False
        rows = {
            (r.wallet, r.asset): r
            for r in session.scalars(
                select(SnapshotAssetRow).where(SnapshotAssetRow.snapshot_id == snapshot.id)
            )
        }
        sources = {asset: r.price_source for (wallet, asset), r in rows.items() if wallet == "spot"}
        assert sources == {
            "USDT": "usdt",
            "BTC": "usdt",
            "ETH": "usdt",
            "ARDR": "via_btc",
            "ZEN": "via_eth",
            "TRY": "inverse",
            "FOO": "unpriced",
        }
        foo = rows[("spot", "FOO")]
        assert (foo.amount, foo.price, foo.value_usdt) == (D("42"), None, 0)
        usdt_futures = rows[("futures", "USDT")]
        assert (usdt_futures.amount, usdt_futures.wallet_balance, usdt_futures.unrealized_pnl) == (
            D("900"),
            D("1000"),
            D("-100"),
        )
        assert rows[("earn_locked", "BNB")].value_usdt == D("1800")
        prices = {
            p.asset: (p.price_usdt, p.price_source)
            for p in session.scalars(select(RunPriceRow).where(RunPriceRow.run_id == result.run_id))
        }
        assert prices["ARDR"] == (D("0.09"), "via_btc")
        assert prices["TRY"] == (D("0.029411764705882353"), "inverse")  # 1/34, 18 decimals
        assert {"BTC", "ETH", "BNB"} <= set(prices)
        assert "FOO" not in prices
        run_row = session.get_one(RunRow, result.run_id)
        assert (run_row.status, run_row.requests) == ("complete", result.requests)
        assert run_row.detail["rich"]["status"] == "complete"


async def test_one_price_request_serves_every_account(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    targets = [target(simple_account(simulator, f"acct{i}")) for i in range(6)]
    simulator.clear_requests_log()

    result = await run(simulator, targets, sqlite_factory(tmp_path), concurrency=3)

    prices = requests_to(simulator, "/api/v3/ticker/price")
    assert len(prices) == 1
    assert "symbol" not in str(prices)  # the all-symbols form, weight 4
    assert prices[0]["weight"] == 4
    assert len(requests_to(simulator, "/api/v3/time")) == 1
    assert result.status == "complete"
    assert result.requests == len(simulator.requests_log())


async def test_a_wallet_switched_off_is_never_requested(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "spotonly")
    simulator.set_permissions("spotonly", enableFutures=False)
    simulator.clear_requests_log()

    result = await run(
        simulator, [target(creds, ["spot", "funding"])], sqlite_factory(tmp_path), reconcile=False
    )

    [account] = result.accounts
    assert account.status.value == "complete"
    assert account.wallet_totals["futures"] is None
    assert account.wallet_totals["earn"] is None
    paths = {r["path"] for r in simulator.requests_log()}
    assert not any(p.startswith("/fapi") or "simple-earn" in p for p in paths)
    assert "/sapi/v1/asset/wallet/balance" not in paths  # reconciliation off


async def test_the_flow_hook_writes_inside_the_snapshot_transaction(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "flows")
    factory = sqlite_factory(tmp_path)
    seen: list[FlowContext] = []

    async def hook(context: FlowContext) -> LedgerUpdate:
        seen.append(context)
        await context.client.deposit_history(start_ms=0, end_ms=1)
        flow = CashFlow(FlowKind.DEPOSIT, "d-1", Asset("USDT"), D(5), D(0), context.taken_at, 1)
        return LedgerUpdate(
            synced_until=context.taken_at,
            recorded_at=context.taken_at,
            new_flows=[(flow, FlowPrice(D(5), D(1), "usdt"))],
        )

    result = await run(simulator, [target(creds)], factory, flow_hook=hook)

    assert [c.account for c in seen] == ["flows"]
    with factory() as session:
        snapshot = session.scalars(select(SnapshotRow)).one()
        flow_row = session.scalars(select(CashFlowRow)).one()
        synced = session.scalars(select(LedgerSyncRow)).one()
    assert (flow_row.account_id, flow_row.binance_id, flow_row.value_usdt) == (
        snapshot.account_id,
        "d-1",
        D(5),
    )
    assert synced.synced_until == snapshot.taken_at
    # The hook's history request is counted on the account.
    assert result.accounts[0].requests == len(simulator.requests_log(account="flows"))


async def test_a_failing_flow_hook_is_noted_without_failing_the_snapshot(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "flows")
    simulator.set_faults(endpoint="/sapi/v1/capital/deposit/hisrec", status=400, code=-1127)

    async def hook(context: FlowContext) -> None:
        await context.client.deposit_history(start_ms=0, end_ms=1)

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path), flow_hook=hook)

    [account] = result.accounts
    assert account.status.value == "complete"
    assert any(
        e.startswith("cash flows: GET /sapi/v1/capital/deposit/hisrec") for e in account.errors
    )


class _InFlightKeys(httpx.AsyncBaseTransport):
    """Real HTTP to the simulator, noting which accounts (API keys) have requests in flight."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._in_flight: Counter[str] = Counter()
        self.most_accounts_at_once = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("X-MBX-APIKEY", "")
        self._in_flight[key] += 1
        accounts = sum(1 for k, n in self._in_flight.items() if k and n)
        self.most_accounts_at_once = max(self.most_accounts_at_once, accounts)
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self._in_flight[key] -= 1

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_no_more_accounts_are_read_at_once_than_the_concurrency(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    targets = [target(simple_account(simulator, f"slot{i}")) for i in range(6)]
    simulator.set_faults(latency_ms=40)  # requests overlap long enough to be seen
    transport = _InFlightKeys()

    async with (
        httpx.AsyncClient(transport=transport) as http,
        exchange(simulator, slots=2, http=http) as binance,
    ):
        result = await collect(
            targets,
            exchange=binance,
            storage=SqlStorage(sqlite_factory(tmp_path)),
            options=options(concurrency=2),
        )

    assert result.status == "complete"
    assert transport.most_accounts_at_once == 2


def test_plain_http_endpoints_get_a_tls_context_that_trusts_nobody() -> None:
    plain = tls_context("http://127.0.0.1:8002", "http://127.0.0.1:8002")
    assert plain.verify_mode == ssl.CERT_REQUIRED
    assert plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0  # an https peer would be refused

    live = tls_context("https://api.binance.com", "https://fapi.binance.com")
    assert live.verify_mode == ssl.CERT_REQUIRED
    assert live is tls_context("https://api.binance.com")  # the CA bundle is loaded once

"""USD-M futures endpoints: documented fields and types, and positions marked to the path."""

from __future__ import annotations

from decimal import Decimal

from tests.simulator import contract_examples as ex
from tests.simulator.helpers import Sim, assert_shape

FUTURES = {"futures": {"USDT": "1000", "BNFCR": "-2.5"}}
LONG_BTC = [{"symbol": "BTCUSDT", "amount": "0.1", "entry_price": "60000"}]


async def test_futures_ping_time_and_exchange_info(sim: Sim) -> None:
    assert (await sim.public("/fapi/v1/ping")).json() == {}
    assert "serverTime" in (await sim.public("/fapi/v1/time")).json()

    info = (await sim.public("/fapi/v1/exchangeInfo")).json()

    assert_shape(info, ex.FUTURES_EXCHANGE_INFO)
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    notional = next(f for f in btc["filters"] if f["filterType"] == "MIN_NOTIONAL")
    assert "notional" in notional
    assert "minNotional" not in notional


async def test_v3_account_marks_positions_to_the_current_price(sim: Sim) -> None:
    keys = await sim.account(balances=FUTURES, positions=LONG_BTC)
    await sim.admin("POST", "/prices", {"BTCUSDT": "65000.00"})

    response = await sim.signed("GET", "/fapi/v3/account", keys)

    account = response.json()
    assert_shape(account, ex.FUTURES_ACCOUNT_V3)
    assert response.headers["x-mbx-used-weight-1m"] == "5"
    usdt = next(a for a in account["assets"] if a["asset"] == "USDT")
    assert usdt["walletBalance"] == "1000.00000000"
    assert usdt["unrealizedProfit"] == "500.00000000"  # 0.1 × (65000 − 60000)
    assert usdt["marginBalance"] == "1500.00000000"
    assert usdt["updateTime"] > 0  # ccxt drops assets whose updateTime is 0
    bnfcr = next(a for a in account["assets"] if a["asset"] == "BNFCR")
    assert bnfcr["walletBalance"] == "-2.50000000"
    assert account["totalMarginBalance"] == "1500.00000000"  # single-asset mode: USDT only
    assert [p["symbol"] for p in account["positions"]] == ["BTCUSDT"]


async def test_v2_account_lists_every_symbol_and_the_mode(sim: Sim) -> None:
    keys = await sim.account(balances=FUTURES, positions=LONG_BTC)

    account = (await sim.signed("GET", "/fapi/v2/account", keys)).json()

    assert_shape(account, ex.FUTURES_ACCOUNT_V2)
    assert account["multiAssetsMargin"] is False
    assert len(account["positions"]) >= 8


async def test_multi_assets_totals_are_usd_sums(sim: Sim) -> None:
    keys = await sim.account(
        balances={"futures": {"USDT": "100", "BTC": "0.01"}}, multi_assets_margin=True
    )
    await sim.admin("POST", "/prices", {"BTCUSDT": "50000.00"})

    account = (await sim.signed("GET", "/fapi/v3/account", keys)).json()

    assert account["totalWalletBalance"] == "600.00000000"
    assert {a["availableBalance"] for a in account["assets"]} == {"600.00000000"}


async def test_balance_v2_and_v3_have_the_same_rows(sim: Sim) -> None:
    keys = await sim.account(balances=FUTURES, positions=LONG_BTC)

    v2 = (await sim.signed("GET", "/fapi/v2/balance", keys)).json()
    v3 = (await sim.signed("GET", "/fapi/v3/balance", keys)).json()

    assert_shape(v3, ex.FUTURES_BALANCE)
    assert v2 == v3
    assert next(r for r in v3 if r["asset"] == "USDT")["balance"] == "1000.00000000"


async def test_position_risk_v2_all_symbols_v3_only_held(sim: Sim) -> None:
    keys = await sim.account(balances=FUTURES, positions=LONG_BTC)
    await sim.admin("POST", "/prices", {"BTCUSDT": "59000.00"})

    v2 = (await sim.signed("GET", "/fapi/v2/positionRisk", keys)).json()
    v3 = (await sim.signed("GET", "/fapi/v3/positionRisk", keys)).json()

    assert_shape(v2, ex.POSITION_RISK_V2)
    assert_shape(v3, ex.POSITION_RISK_V3)
    assert len(v2) >= 8
    assert [(p["symbol"], p["unRealizedProfit"], p["markPrice"]) for p in v3] == [
        ("BTCUSDT", "-100.00000000", "59000.00000000")
    ]


async def test_futures_ticker_v1_and_v2(sim: Sim) -> None:
    await sim.admin("POST", "/prices", {"BTCUSDT": "65000.00"})

    one = await sim.public("/fapi/v2/ticker/price", symbol="BTCUSDT")
    every = await sim.public("/fapi/v1/ticker/price")

    assert_shape(one.json(), ex.FUTURES_TICKER)
    assert one.json()["price"] == "65000.00"
    assert one.headers["x-mbx-used-weight-1m"] == "1"
    assert_shape(every.json(), [ex.FUTURES_TICKER])


async def test_income_lists_transfers_added_by_the_admin(sim: Sim) -> None:
    keys = await sim.account(balances={"futures": {"USDT": "0"}})
    await sim.admin("POST", "/income", {"account": "main", "income": "500"})

    rows = (await sim.signed("GET", "/fapi/v1/income", keys)).json()
    balance = (await sim.signed("GET", "/fapi/v3/balance", keys)).json()

    assert_shape(rows, ex.INCOME)
    assert [(r["incomeType"], r["income"]) for r in rows] == [("TRANSFER", "500.00000000")]
    assert Decimal(balance[0]["balance"]) == 500

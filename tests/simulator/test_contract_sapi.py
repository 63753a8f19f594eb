"""``/sapi`` wallet and earn endpoints: documented fields and types, and real values."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.simulator import contract_examples as ex
from tests.simulator.helpers import START_MS, Sim, assert_shape

DAY_MS = 86_400_000


async def test_deposit_history_rows_and_string_ids(sim: Sim) -> None:
    keys = await sim.account()
    await sim.admin(
        "POST", "/deposits", {"account": "main", "coin": "BNB", "amount": "0.001", "status": 1}
    )

    response = await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys)

    rows = response.json()
    assert_shape(rows, [ex.DEPOSIT])
    assert response.headers["x-sapi-used-ip-weight-1m"] == "1"
    assert rows[0]["amount"] == "0.001"
    assert rows[0]["insertTime"] == START_MS
    assert rows[0]["id"].isdigit()


async def test_withdrawal_history_has_string_times_and_fee(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"USDT": "100"}})
    await sim.admin(
        "POST",
        "/withdrawals",
        {
            "account": "main",
            "coin": "USDT",
            "amount": "8.91",
            "fee": "0.004",
            "status": 6,
            "withdraw_order_id": "WITHDRAWtest123",
        },
    )

    response = await sim.signed("GET", "/sapi/v1/capital/withdraw/history", keys)

    rows = response.json()
    assert_shape(rows, [ex.WITHDRAWAL])
    assert response.headers["x-sapi-used-uid-weight-1m"] == "18000"
    assert "x-sapi-used-ip-weight-1m" not in response.headers
    assert rows[0]["amount"] == "8.91000000"
    assert rows[0]["transactionFee"] == "0.004"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["applyTime"])
    assert re.fullmatch(r"[0-9a-f]{32}", rows[0]["id"])


async def test_api_restrictions_report_the_key_permissions(sim: Sim) -> None:
    keys = await sim.account(permissions={"enableSpotAndMarginTrading": False})

    answer = (await sim.signed("GET", "/sapi/v1/account/apiRestrictions", keys)).json()

    assert_shape(answer, ex.API_RESTRICTIONS)
    assert answer["enableReading"] is True
    assert answer["enableSpotAndMarginTrading"] is False
    assert answer["enableWithdrawals"] is False


async def test_funding_and_user_assets_are_posts_listing_held_assets(sim: Sim) -> None:
    keys = await sim.account(
        balances={"funding": {"USDT": "12.5"}, "spot": {"AVAX": "1", "BTC": "0"}}
    )

    funding = await sim.signed("POST", "/sapi/v1/asset/get-funding-asset", keys, in_body=True)
    spot = await sim.signed("POST", "/sapi/v3/asset/getUserAsset", keys, in_body=True)

    assert_shape(funding.json(), ex.FUNDING)
    assert [(r["asset"], Decimal(r["free"])) for r in funding.json()] == [("USDT", Decimal("12.5"))]
    assert_shape(spot.json(), ex.USER_ASSET)
    assert [r["asset"] for r in spot.json()] == ["AVAX"]


async def test_wallet_balance_values_each_wallet_in_the_quote_asset(sim: Sim) -> None:
    keys = await sim.account(
        balances={
            "spot": {"USDT": "1000"},
            "funding": {"USDT": "500"},
            "earn_flexible": {"USDT": "250"},
            "futures": {"USDT": "100"},
        }
    )

    answer = (
        await sim.signed("GET", "/sapi/v1/asset/wallet/balance", keys, quoteAsset="USDT")
    ).json()

    assert_shape(answer, ex.WALLET_BALANCE)
    wallets = {row["walletName"]: row["balance"] for row in answer}
    assert wallets["Spot"] == "1000.00000000"
    assert wallets["Funding"] == "500.00000000"
    assert wallets["Earn"] == "250.00000000"
    assert wallets["USDⓈ-M Futures"] == "100.00000000"
    assert wallets["Cross Margin"] == "0.00000000"


async def test_flexible_positions_are_paged_with_size_and_current(sim: Sim) -> None:
    assets = {f"A{i:02d}": str(i + 1) for i in range(12)}
    keys = await sim.account(balances={"earn_flexible": assets})

    first = (await sim.signed("GET", "/sapi/v1/simple-earn/flexible/position", keys)).json()
    second = (
        await sim.signed("GET", "/sapi/v1/simple-earn/flexible/position", keys, current=2)
    ).json()
    big = (await sim.signed("GET", "/sapi/v1/simple-earn/flexible/position", keys, size=100)).json()
    too_big = await sim.signed("GET", "/sapi/v1/simple-earn/flexible/position", keys, size=101)

    assert_shape(first, ex.FLEXIBLE)
    assert (first["total"], len(first["rows"]), len(second["rows"]), len(big["rows"])) == (
        12,
        10,
        2,
        12,
    )
    assert second["rows"][-1] == big["rows"][-1]
    assert big["rows"][0]["totalAmount"] == "1.00000000"
    assert too_big.status_code == 400


async def test_locked_positions_show_amount_and_dates(sim: Sim) -> None:
    keys = await sim.account(balances={"earn_locked": {"AXS": "122.09202928"}})

    response = await sim.signed("GET", "/sapi/v1/simple-earn/locked/position", keys)

    answer = response.json()
    assert_shape(answer, ex.LOCKED)
    assert response.headers["x-sapi-used-ip-weight-1m"] == "150"
    row = answer["rows"][0]
    assert (row["asset"], row["amount"], row["purchaseTime"]) == ("AXS", "122.09202928", START_MS)
    assert row["rewardsEndDate"] == START_MS + 30 * DAY_MS


async def test_ccxt_start_up_lists_answer_empty(sim: Sim) -> None:
    keys = await sim.account()

    for path in (
        "/sapi/v1/capital/config/getall",
        "/sapi/v1/margin/allPairs",
        "/sapi/v1/margin/isolated/allPairs",
    ):
        response = await sim.signed("GET", path, keys)
        assert (response.status_code, response.json()) == (200, []), path
    dapi = await sim.public("/dapi/v1/exchangeInfo")
    assert dapi.json()["symbols"] == []

"""Deposits and withdrawals: any status, balances, pending → completed, 90-day windows."""

from __future__ import annotations

from tests.simulator.helpers import START_MS, Sim

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


async def test_a_successful_deposit_is_credited_and_a_rejected_one_is_not(sim: Sim) -> None:
    await sim.account()

    await sim.admin(
        "POST", "/deposits", {"account": "main", "coin": "USDT", "amount": "100", "status": 1}
    )
    await sim.admin(
        "POST", "/deposits", {"account": "main", "coin": "USDT", "amount": "7", "status": 2}
    )
    await sim.admin(
        "POST",
        "/deposits",
        {"account": "main", "coin": "USDT", "amount": "5", "status": 6, "wallet": "funding"},
    )

    view = await sim.admin("GET", "/accounts/main")
    assert view["balances"]["spot"]["USDT"]["free"] == "100"
    assert view["balances"]["funding"]["USDT"] == "5"


async def test_pending_deposit_completes_when_its_time_comes(sim: Sim) -> None:
    keys = await sim.account()
    await sim.admin(
        "POST",
        "/deposits",
        {
            "account": "main",
            "coin": "BTC",
            "amount": "0.5",
            "status": 0,
            "complete_after_ms": HOUR_MS,
        },
    )

    before = (await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys)).json()
    await sim.admin("POST", "/clock", {"advance_ms": HOUR_MS})
    after = (await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys)).json()

    assert [r["status"] for r in before] == [0]
    assert "completeTime" not in before[0]
    assert [r["status"] for r in after] == [1]
    assert after[0]["completeTime"] == START_MS + HOUR_MS
    account = (await sim.signed("GET", "/api/v3/account", keys, omitZeroBalances="true")).json()
    assert account["balances"] == [{"asset": "BTC", "free": "0.50000000", "locked": "0.00000000"}]


async def test_withdrawal_debits_amount_plus_fee_and_completes_later(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"ETH": "2"}})
    await sim.admin(
        "POST",
        "/withdrawals",
        {
            "account": "main",
            "coin": "ETH",
            "amount": "1",
            "fee": "0.002",
            "status": 4,
            "complete_after_ms": 10 * 60_000,
        },
    )

    pending = (await sim.signed("GET", "/sapi/v1/capital/withdraw/history", keys)).json()
    await sim.admin("POST", "/clock", {"advance_ms": 10 * 60_000})
    done = (await sim.signed("GET", "/sapi/v1/capital/withdraw/history", keys)).json()

    assert (pending[0]["status"], pending[0]["txId"]) == (4, "")
    assert "completeTime" not in pending[0]
    assert done[0]["status"] == 6
    assert done[0]["completeTime"] == "2026-09-21 14:23:20"  # START_MS is 14:13:20 UTC
    view = await sim.admin("GET", "/accounts/main")
    assert view["balances"]["spot"]["ETH"]["free"] == "0.998"


async def test_withdrawal_larger_than_the_balance_is_refused_by_the_admin(sim: Sim) -> None:
    await sim.account(balances={"spot": {"ETH": "1"}})

    response = await sim.client.post(
        "/_sim/withdrawals", json={"account": "main", "coin": "ETH", "amount": "1", "fee": "0.01"}
    )

    assert response.status_code == 400
    assert "less than amount + fee" in response.json()["error"]


async def test_history_windows_default_to_90_days_and_may_not_exceed_them(sim: Sim) -> None:
    keys = await sim.account()
    for days_ago in (1, 89, 91):
        await sim.admin(
            "POST",
            "/deposits",
            {
                "account": "main",
                "coin": "USDT",
                "amount": str(days_ago),
                "time_ms": START_MS - days_ago * DAY_MS,
            },
        )

    default = (await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys)).json()
    old = await sim.signed(
        "GET",
        "/sapi/v1/capital/deposit/hisrec",
        keys,
        startTime=START_MS - 100 * DAY_MS,
        endTime=START_MS - 10 * DAY_MS,
    )
    exactly_90 = await sim.signed(
        "GET",
        "/sapi/v1/capital/deposit/hisrec",
        keys,
        startTime=START_MS - 90 * DAY_MS,
        endTime=START_MS,
    )
    too_wide = await sim.signed(
        "GET",
        "/sapi/v1/capital/withdraw/history",
        keys,
        startTime=START_MS - 91 * DAY_MS,
        endTime=START_MS,
    )

    assert [r["amount"] for r in default] == ["1", "89"]  # newest first
    assert [r["amount"] for r in old.json()] == ["89", "91"]
    assert exactly_90.status_code == 200
    assert (too_wide.status_code, too_wide.json()["code"]) == (400, -1127)


async def test_history_filters_by_coin_and_status_and_pages(sim: Sim) -> None:
    keys = await sim.account()
    for coin, status in (("BTC", 1), ("ETH", 0), ("BTC", 1)):
        await sim.admin(
            "POST", "/deposits", {"account": "main", "coin": coin, "amount": "1", "status": status}
        )

    btc = (await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys, coin="BTC")).json()
    pending = (await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys, status=0)).json()
    page = (
        await sim.signed("GET", "/sapi/v1/capital/deposit/hisrec", keys, limit=1, offset=1)
    ).json()

    assert [r["coin"] for r in btc] == ["BTC", "BTC"]
    assert [r["coin"] for r in pending] == ["ETH"]
    assert len(page) == 1

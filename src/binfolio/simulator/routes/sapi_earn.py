"""Simple Earn positions (flexible and locked), paged by ``current``/``size`` (default 10,
at most 100), and the Simple Earn totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binfolio.domain.money import ZERO
from binfolio.simulator import errors
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.wire import d8

_DAY_MS = 86_400_000


def _paged(call: Call, rows: list[dict[str, Any]]) -> dict[str, Any]:
    current = call.params.integer("current", 1) or 1
    size = call.params.integer("size", 10) or 10
    if not 1 <= size <= 100:
        raise errors.malformed_param("size")
    if current < 1:
        raise errors.malformed_param("current")
    start = (current - 1) * size
    return {"rows": rows[start : start + size], "total": len(rows)}


def _flexible(call: Call) -> object:
    wanted = call.params.get("asset")
    rows = [
        {
            "totalAmount": d8(amount),
            "tierAnnualPercentageRate": {},
            "latestAnnualPercentageRate": "0.03000000",
            "yesterdayAirdropPercentageRate": "0.00000000",
            "asset": asset,
            "airDropAsset": "",
            "canRedeem": True,
            "collateralAmount": "0.00000000",
            "productId": f"{asset}001",
            "yesterdayRealTimeRewards": d8(amount * Decimal("0.03") / 365),
            "cumulativeBonusRewards": "0.00000000",
            "cumulativeRealTimeRewards": "0.00000000",
            "cumulativeTotalRewards": "0.00000000",
            "autoSubscribe": True,
        }
        for asset, amount in sorted(call.user.earn_flexible.items())
        if amount and (wanted is None or asset == wanted)
    ]
    return _paged(call, rows)


def _locked(call: Call) -> object:
    wanted = call.params.get("asset")
    position_id = call.params.integer("positionId")
    rows = []
    for p in call.user.earn_locked:
        if (wanted is not None and p.asset != wanted) or position_id not in (None, p.position_id):
            continue
        end_ms = p.purchase_ms + p.duration_days * _DAY_MS
        reward = p.amount * p.apy * p.duration_days / 365
        rows.append(
            {
                "positionId": p.position_id,
                "parentPositionId": p.position_id,
                "projectId": f"{p.asset}*{p.duration_days}",
                "asset": p.asset,
                "amount": d8(p.amount),
                "purchaseTime": p.purchase_ms,
                "duration": str(p.duration_days),
                "accrualDays": str(max(0, (call.now_ms - p.purchase_ms) // _DAY_MS)),
                "rewardAsset": p.asset,
                "APY": f"{p.apy}",
                "rewardAmt": d8(reward),
                "nextPay": d8(reward / p.duration_days),
                "nextPayDate": p.purchase_ms + _DAY_MS,
                "payPeriod": "1",
                "redeemAmountEarly": d8(p.amount),
                "rewardsEndDate": end_ms,
                "deliverDate": end_ms + _DAY_MS,
                "redeemPeriod": "1",
                "redeemingAmt": "0",
                "redeemTo": "SPOT",
                "partialAmtDeliverDate": end_ms + _DAY_MS,
                "canRedeemEarly": True,
                "canFastRedemption": False,
                "autoSubscribe": False,
                "type": "NORMAL",
                "status": "HOLDING",
                "canReStake": False,
            }
        )
    return _paged(call, rows)


def _account(call: Call) -> object:
    market, now_ms, account = call.state.market, call.now_ms, call.user
    btc = market.usd_decimal("BTC", now_ms)
    flexible = sum(
        (a * market.usd_decimal(s, now_ms) for s, a in account.earn_flexible.items()), ZERO
    )
    locked = sum(
        (p.amount * market.usd_decimal(p.asset, now_ms) for p in account.earn_locked), ZERO
    )
    return {
        "totalAmountInBTC": d8((flexible + locked) / btc),
        "totalAmountInUSDT": d8(flexible + locked),
        "totalFlexibleAmountInBTC": d8(flexible / btc),
        "totalFlexibleAmountInUSDT": d8(flexible),
        "totalLockedInBTC": d8(locked / btc),
        "totalLockedInUSDT": d8(locked),
    }


ENDPOINTS = [
    Endpoint(
        "GET", "/sapi/v1/simple-earn/flexible/position", _flexible, weight=150, security="USER_DATA"
    ),
    Endpoint(
        "GET", "/sapi/v1/simple-earn/locked/position", _locked, weight=150, security="USER_DATA"
    ),
    Endpoint("GET", "/sapi/v1/simple-earn/account", _account, weight=150, security="USER_DATA"),
]

"""``GET /api/v3/account``: spot balances (free and locked) and the account's flags."""

from __future__ import annotations

from binfolio.domain.money import ZERO
from binfolio.simulator.catalogue import ASSETS, NUMERAIRE
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.wire import d8

# Without omitZeroBalances Binance lists every asset it knows, zero or not.
_KNOWN_ASSETS = [NUMERAIRE] + [spec.asset for spec in ASSETS]


def _account(call: Call) -> object:
    account = call.user
    omit_zero = call.params.boolean("omitZeroBalances")
    assets = _KNOWN_ASSETS + [a for a in account.spot if a not in _KNOWN_ASSETS]
    balances = []
    for asset in assets:
        row = account.spot.get(asset)
        free, locked = (row.free, row.locked) if row else (ZERO, ZERO)
        if omit_zero and not (free or locked):
            continue
        balances.append({"asset": asset, "free": d8(free), "locked": d8(locked)})
    can_trade = account.permissions.get("enableSpotAndMarginTrading", False)
    return {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": d8(call.state.taker_fee),
            "taker": d8(call.state.taker_fee),
            "buyer": "0.00000000",
            "seller": "0.00000000",
        },
        "canTrade": can_trade,
        "canWithdraw": account.permissions.get("enableWithdrawals", False),
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": account.update_ms,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": account.uid,
    }


ENDPOINTS = [Endpoint("GET", "/api/v3/account", _account, weight=20, security="USER_DATA")]

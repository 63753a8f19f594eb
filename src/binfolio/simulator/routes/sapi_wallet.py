"""``/sapi`` wallet endpoints: deposit and withdrawal history, key permissions, funding and
spot assets, per-wallet totals, transfer history, and the lists ccxt reads at start-up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binfolio.domain.money import ZERO
from binfolio.simulator import errors
from binfolio.simulator.accounts import Account
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.futures import asset_figures, usd_total
from binfolio.simulator.market import Market
from binfolio.simulator.wire import d8

_DAY_MS = 86_400_000
_MAX_WINDOW_MS = 90 * _DAY_MS


def _window(call: Call, default_days: int = 90) -> tuple[int, int]:
    """``startTime``/``endTime`` with Binance's defaults; the span must not exceed 90 days."""
    end = call.params.integer("endTime")
    start = call.params.integer("startTime")
    if end is None:
        end = call.now_ms if start is None else max(call.now_ms, start)
    if start is None:
        start = end - default_days * _DAY_MS
    if end - start > _MAX_WINDOW_MS:
        # Binance documents no code for a window of 90 days or more; -1127 is the closest one.
        raise errors.bad_request(-1127, "More than 2160 hours between startTime and endTime.")
    return start, end


def _page(call: Call, rows: list[Any]) -> list[Any]:
    offset = call.params.integer("offset", 0) or 0
    limit = call.params.integer("limit", 1000) or 1000
    if not 1 <= limit <= 1000:
        raise errors.malformed_param("limit")
    return rows[offset : offset + limit]


def _deposits(call: Call) -> object:
    start, end = _window(call)
    coin, status = call.params.get("coin"), call.params.integer("status")
    rows = [
        d
        for d in sorted(call.user.deposits, key=lambda d: d.insert_ms, reverse=True)
        if start <= d.insert_ms <= end
        and (coin is None or d.coin == coin)
        and (status is None or d.status == status)
    ]
    return _page(call, [d.to_binance() for d in rows])


def _withdrawals(call: Call) -> object:
    order_id = call.params.get("withdrawOrderId")
    start, end = _window(call, 7 if order_id else 90)
    coin, status = call.params.get("coin"), call.params.integer("status")
    id_list = call.params.get("idList")
    ids = set(id_list.split(",")) if id_list else None
    rows = [
        w
        for w in sorted(call.user.withdrawals, key=lambda w: w.apply_ms, reverse=True)
        if start <= w.apply_ms <= end
        and (coin is None or w.coin == coin)
        and (status is None or w.status == status)
        and (order_id is None or w.withdraw_order_id == order_id)
        and (ids is None or w.withdrawal_id in ids)
    ]
    return _page(call, [w.to_binance() for w in rows])


def _api_restrictions(call: Call) -> object:
    account = call.user
    return {"createTime": account.created_ms, **account.permissions}


def _funding_asset(call: Call) -> object:
    wanted = call.params.get("asset")
    return [
        {
            "asset": asset,
            "free": d8(amount),
            "locked": "0",
            "freeze": "0",
            "withdrawing": "0",
            "btcValuation": "0",
        }
        for asset, amount in call.user.funding.items()
        if amount and (wanted is None or asset == wanted)
    ]


def _user_asset(call: Call) -> object:
    wanted = call.params.get("asset")
    return [
        {
            "asset": asset,
            "free": d8(row.free),
            "locked": d8(row.locked),
            "freeze": "0",
            "withdrawing": "0",
            "ipoable": "0",
            "btcValuation": "0",
        }
        for asset, row in call.user.spot.items()
        if (row.free or row.locked) and (wanted is None or asset == wanted)
    ]


def wallet_totals_usd(market: Market, account: Account, now_ms: int) -> dict[str, Decimal]:
    """Each Binance wallet's value in USDT, as ``/sapi/v1/asset/wallet/balance`` reports."""

    def value(holdings: dict[str, Decimal]) -> Decimal:
        return sum((amount * market.usd_decimal(a, now_ms) for a, amount in holdings.items()), ZERO)

    earn = dict(account.earn_flexible)
    for position in account.earn_locked:
        earn[position.asset] = earn.get(position.asset, ZERO) + position.amount
    futures = usd_total(market, asset_figures(market, account, now_ms), now_ms, "margin_balance")
    return {
        "Spot": value({a: r.free + r.locked for a, r in account.spot.items()}),
        "Funding": value(account.funding),
        "Cross Margin": ZERO,
        "Isolated Margin": ZERO,
        "USDⓈ-M Futures": futures,
        "COIN-M Futures": ZERO,
        "Earn": value(earn),
        "Options": ZERO,
        "Trading Bots": ZERO,
        "Copy Trading": ZERO,
    }


def _wallet_balance(call: Call) -> object:
    quote = call.params.get("quoteAsset") or "BTC"
    market = call.state.market
    rate = market.usd_decimal(quote, call.now_ms)
    if not rate:
        raise errors.malformed_param("quoteAsset")
    totals = wallet_totals_usd(market, call.user, call.now_ms)
    return [
        {"activate": True, "balance": d8(total / rate), "walletName": name}
        for name, total in totals.items()
    ]


def _transfers(call: Call) -> object:
    call.params.require("type")
    return {"total": 0, "rows": []}


def _empty_list(call: Call) -> object:
    return []


ENDPOINTS = [
    Endpoint("GET", "/sapi/v1/capital/deposit/hisrec", _deposits, security="USER_DATA"),
    Endpoint(
        "GET",
        "/sapi/v1/capital/withdraw/history",
        _withdrawals,
        weight=18000,
        security="USER_DATA",
        uid_weight=True,
    ),
    Endpoint("GET", "/sapi/v1/account/apiRestrictions", _api_restrictions, security="USER_DATA"),
    Endpoint("POST", "/sapi/v1/asset/get-funding-asset", _funding_asset, security="USER_DATA"),
    Endpoint("POST", "/sapi/v3/asset/getUserAsset", _user_asset, weight=5, security="USER_DATA"),
    Endpoint(
        "GET", "/sapi/v1/asset/wallet/balance", _wallet_balance, weight=60, security="USER_DATA"
    ),
    Endpoint("GET", "/sapi/v1/asset/transfer", _transfers, security="USER_DATA"),
    # ccxt's load_markets() calls these at start-up; it accepts an empty list.
    Endpoint("GET", "/sapi/v1/capital/config/getall", _empty_list, weight=10, security="USER_DATA"),
    Endpoint("GET", "/sapi/v1/margin/allPairs", _empty_list, security="API_KEY"),
    Endpoint(
        "GET", "/sapi/v1/margin/isolated/allPairs", _empty_list, weight=10, security="USER_DATA"
    ),
]

"""USD-M futures account endpoints: v2/v3 account and balance, positionRisk, income, and the
``leverageBracket`` stub ccxt reads before positions."""

from __future__ import annotations

from typing import Any

from binfolio.domain.money import ZERO
from binfolio.simulator import errors
from binfolio.simulator.catalogue import FUTURES, FUTURES_BY_NAME
from binfolio.simulator.dispatch import Call, Endpoint
from binfolio.simulator.futures import (
    AssetFigures,
    MarkedPosition,
    asset_figures,
    mark,
    mark_price,
    usd_total,
)
from binfolio.simulator.wire import d8

_DAY_MS = 86_400_000
_TOTALS = ("wallet", "unrealized", "margin_balance", "initial_margin", "maint_margin", "available")


def _asset_row(row: AssetFigures, shared_available: str | None, v2: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "asset": row.asset,
        "walletBalance": d8(row.wallet),
        "unrealizedProfit": d8(row.unrealized),
        "marginBalance": d8(row.margin_balance),
        "maintMargin": d8(row.maint_margin),
        "initialMargin": d8(row.initial_margin),
        "positionInitialMargin": d8(row.initial_margin),
        "openOrderInitialMargin": "0.00000000",
        "crossWalletBalance": d8(row.wallet),
        "crossUnPnl": d8(row.unrealized),
        "availableBalance": shared_available or d8(row.available),
        "maxWithdrawAmount": d8(min(row.wallet, row.available)),
        "updateTime": row.update_ms,
    }
    if v2:
        data["marginAvailable"] = True
    return data


def _position_row(m: MarkedPosition, v2: bool) -> dict[str, Any]:
    p = m.position
    row: dict[str, Any] = {
        "symbol": p.symbol,
        "positionSide": "BOTH",
        "positionAmt": f"{p.amount}",
        "unrealizedProfit": d8(m.unrealized),
        "isolatedMargin": "0",
        "notional": d8(m.notional),
        "isolatedWallet": "0",
        "initialMargin": d8(m.initial_margin),
        "maintMargin": d8(m.maint_margin),
        "updateTime": p.update_ms,
    }
    if v2:
        row.update(
            {
                "leverage": str(p.leverage),
                "isolated": False,
                "entryPrice": f"{p.entry_price}",
                "maxNotional": "1000000",
                "bidNotional": "0",
                "askNotional": "0",
                "positionInitialMargin": d8(m.initial_margin),
                "openOrderInitialMargin": "0",
            }
        )
    return row


def _account(v2: bool) -> Any:
    def handler(call: Call) -> object:
        account, market, now_ms = call.user, call.state.market, call.now_ms
        rows = asset_figures(market, account, now_ms)
        marked = mark(market, account, now_ms)
        if account.multi_assets_margin:
            totals = {name: usd_total(market, rows, now_ms, name) for name in _TOTALS}
        else:
            usdt = [r for r in rows if r.asset == "USDT"]
            totals = {name: sum((getattr(r, name) for r in usdt), ZERO) for name in _TOTALS}
        shared = d8(totals["available"]) if account.multi_assets_margin else None
        body: dict[str, Any] = {
            "totalInitialMargin": d8(totals["initial_margin"]),
            "totalMaintMargin": d8(totals["maint_margin"]),
            "totalWalletBalance": d8(totals["wallet"]),
            "totalUnrealizedProfit": d8(totals["unrealized"]),
            "totalMarginBalance": d8(totals["margin_balance"]),
            "totalPositionInitialMargin": d8(totals["initial_margin"]),
            "totalOpenOrderInitialMargin": "0.00000000",
            "totalCrossWalletBalance": d8(totals["wallet"]),
            "totalCrossUnPnl": d8(totals["unrealized"]),
            "availableBalance": d8(totals["available"]),
            "maxWithdrawAmount": d8(totals["available"]),
            "assets": [_asset_row(r, shared, v2) for r in rows],
            "positions": [_position_row(m, v2) for m in marked],
        }
        if v2:
            held = {m.position.symbol for m in marked}
            body["positions"] += [
                {
                    "symbol": s.symbol,
                    "positionSide": "BOTH",
                    "positionAmt": "0.000",
                    "unrealizedProfit": "0.00000000",
                    "isolatedMargin": "0",
                    "notional": "0",
                    "isolatedWallet": "0",
                    "initialMargin": "0",
                    "maintMargin": "0",
                    "updateTime": 0,
                    "leverage": "20",
                    "isolated": False,
                    "entryPrice": "0.0",
                    "maxNotional": "1000000",
                    "bidNotional": "0",
                    "askNotional": "0",
                    "positionInitialMargin": "0",
                    "openOrderInitialMargin": "0",
                }
                for s in FUTURES
                if s.symbol not in held
            ]
            body = {
                "feeTier": 0,
                "feeBurn": True,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "updateTime": 0,
                "multiAssetsMargin": account.multi_assets_margin,
                "tradeGroupId": -1,
                **body,
            }
        return body

    return handler


def _balance(call: Call) -> object:
    account = call.user
    return [
        {
            "accountAlias": "SgsR",
            "asset": r.asset,
            "balance": d8(r.wallet),
            "crossWalletBalance": d8(r.wallet),
            "crossUnPnl": d8(r.unrealized),
            "availableBalance": d8(r.available),
            "maxWithdrawAmount": d8(min(r.wallet, r.available)),
            "marginAvailable": True,
            "updateTime": r.update_ms,
        }
        for r in asset_figures(call.state.market, account, call.now_ms)
    ]


def _position_risk(v2: bool) -> Any:
    def handler(call: Call) -> object:
        wanted = call.params.get("symbol")
        if wanted is not None and wanted not in FUTURES_BY_NAME:
            raise errors.invalid_symbol()
        marked = {m.position.symbol: m for m in mark(call.state.market, call.user, call.now_ms)}
        rows = []
        for spec in FUTURES:
            if wanted not in (None, spec.symbol) or (not v2 and spec.symbol not in marked):
                continue
            m = marked.get(spec.symbol)
            price = m.mark_price if m else mark_price(call.state.market, spec.symbol, call.now_ms)
            p = m.position if m else None
            row = {
                "symbol": spec.symbol,
                "positionSide": "BOTH",
                "positionAmt": f"{p.amount}" if p else "0.000",
                "entryPrice": f"{p.entry_price}" if p else "0.0",
                "breakEvenPrice": f"{p.entry_price}" if p else "0.0",
                "markPrice": d8(price),
                "unRealizedProfit": d8(m.unrealized) if m else "0.00000000",
                "liquidationPrice": "0",
                "isolatedMargin": "0",
                "notional": d8(m.notional) if m else "0",
                "marginAsset": "USDT",
                "isolatedWallet": "0",
                "updateTime": p.update_ms if p else 0,
            }
            if v2:
                row.update(
                    {
                        "marginType": "cross",
                        "isAutoAddMargin": "false",
                        "leverage": str(p.leverage if p else 20),
                        "maxNotionalValue": "1000000",
                    }
                )
            else:
                row.update(
                    {
                        "initialMargin": d8(m.initial_margin) if m else "0",
                        "maintMargin": d8(m.maint_margin) if m else "0",
                        "positionInitialMargin": d8(m.initial_margin) if m else "0",
                        "openOrderInitialMargin": "0",
                        "adl": 0,
                        "bidNotional": "0",
                        "askNotional": "0",
                    }
                )
            rows.append(row)
        return rows

    return handler


def _income(call: Call) -> object:
    params = call.params
    end = params.integer("endTime") or call.now_ms
    start = params.integer("startTime") or end - 7 * _DAY_MS
    limit = params.integer("limit", 100) or 100
    if not 1 <= limit <= 1000:
        raise errors.malformed_param("limit")
    kind, symbol = params.get("incomeType"), params.get("symbol")
    rows = [
        row
        for row in call.user.income
        if start <= int(row["time"]) <= end  # type: ignore[call-overload]
        and kind in (None, row["incomeType"])
        and symbol in (None, row["symbol"])
    ]
    page = params.integer("page", 1) or 1
    return rows[(page - 1) * limit : page * limit]


def _empty_list(call: Call) -> object:
    return []


def _multi_assets(call: Call) -> object:
    return {"multiAssetsMargin": call.user.multi_assets_margin}


ENDPOINTS = [
    Endpoint("GET", "/fapi/v2/account", _account(v2=True), weight=5, security="USER_DATA"),
    Endpoint("GET", "/fapi/v3/account", _account(v2=False), weight=5, security="USER_DATA"),
    Endpoint("GET", "/fapi/v2/balance", _balance, weight=5, security="USER_DATA"),
    Endpoint("GET", "/fapi/v3/balance", _balance, weight=5, security="USER_DATA"),
    Endpoint(
        "GET", "/fapi/v2/positionRisk", _position_risk(v2=True), weight=5, security="USER_DATA"
    ),
    Endpoint(
        "GET", "/fapi/v3/positionRisk", _position_risk(v2=False), weight=5, security="USER_DATA"
    ),
    Endpoint("GET", "/fapi/v1/income", _income, weight=30, security="USER_DATA"),
    Endpoint("GET", "/fapi/v1/leverageBracket", _empty_list, security="USER_DATA"),
    Endpoint("GET", "/fapi/v1/multiAssetsMargin", _multi_assets, weight=30, security="USER_DATA"),
]

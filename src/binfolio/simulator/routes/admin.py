"""The admin API under ``/_sim/`` (DESIGN.md): JSON in, JSON out, loopback only, unsigned.

Tests, benchmarks and the demo use it to create accounts and keys, set balances and prices,
add deposits and withdrawals, move the clock, inject faults, and read the request log.
Mistakes answer 400/404/409 with ``{"error": "..."}`` that says what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from binfolio.domain.money import MoneyParseError, fmt, to_decimal
from binfolio.simulator.accounts import Account
from binfolio.simulator.config import Limits
from binfolio.simulator.faults import FaultRule
from binfolio.simulator.ledger import Deposit, Withdrawal, apply_deposit, apply_withdrawal
from binfolio.simulator.market import UnknownSymbolError
from binfolio.simulator.state import SimState

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}
Handler = Callable[[SimState, dict[str, Any], Request], Any]


def account_view(state: SimState, account: Account) -> dict[str, Any]:
    """Everything about one account, for tests to assert on (money as strings)."""
    state.settle(account)
    return {
        "name": account.name,
        "uid": account.uid,
        "api_key": account.api_key,
        "permissions": account.permissions,
        "balances": {
            "spot": {
                a: {"free": fmt(r.free), "locked": fmt(r.locked)} for a, r in account.spot.items()
            },
            "funding": {a: fmt(v) for a, v in account.funding.items()},
            "earn_flexible": {a: fmt(v) for a, v in account.earn_flexible.items()},
            "earn_locked": {p.asset: fmt(p.amount) for p in account.earn_locked},
            "futures": {a: fmt(f.wallet) for a, f in account.futures.items()},
        },
        "positions": [
            {
                "symbol": p.symbol,
                "amount": fmt(p.amount),
                "entry_price": fmt(p.entry_price),
                "leverage": p.leverage,
            }
            for p in account.positions.values()
        ],
        "open_orders": sorted(account.open_orders),
        "deposits": [d.to_binance() for d in account.deposits],
        "withdrawals": [w.to_binance() for w in account.withdrawals],
    }


def _decimal(body: dict[str, Any], key: str, default: str | None = None) -> Decimal:
    value = body.get(key, default)
    if value is None:
        raise ValueError(f"{key!r} is required")
    return to_decimal(str(value), field=key)


def _create_account(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = state.create_account(
        str(body.get("name", "")),
        balances=body.get("balances"),
        permissions=body.get("permissions"),
        positions=body.get("positions"),
        multi_assets_margin=bool(body.get("multi_assets_margin", False)),
        api_key=body.get("api_key"),
        api_secret=body.get("api_secret"),
    )
    return {
        "name": account.name,
        "api_key": account.api_key,
        "api_secret": account.api_secret,
        "uid": account.uid,
    }


def _named(state: SimState, request: Request) -> Account:
    return state.account(request.path_params["name"])


def _set_balances(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = _named(state, request)
    state.set_balances(account, body)
    return account_view(state, account)


def _set_positions(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = _named(state, request)
    state.set_positions(account, body.get("positions", []))
    return account_view(state, account)


def _set_permissions(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = _named(state, request)
    unknown = set(body) - set(account.permissions)
    if unknown:
        raise ValueError(f"unknown permissions {sorted(unknown)}")
    account.permissions.update({k: bool(v) for k, v in body.items()})
    return account.permissions


def _set_prices(state: SimState, body: dict[str, Any], request: Request) -> Any:
    now_ms = state.clock.now_ms()
    return {
        symbol: fmt(state.market.set_price(symbol, to_decimal(str(price), field=symbol), now_ms))
        for symbol, price in body.items()
    }


def _get_prices(state: SimState, body: dict[str, Any], request: Request) -> Any:
    return {s: fmt(p) for s, p in state.market.prices(state.clock.now_ms()).items()}


def _set_scenario(state: SimState, body: dict[str, Any], request: Request) -> Any:
    scenario = str(body.get("scenario", state.market.scenario))
    seed = int(body.get("seed", state.market.seed))
    state.market.set_scenario(scenario, seed, state.clock.now_ms())
    return {"scenario": scenario, "seed": seed}


def _add_deposit(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = state.account(str(body.get("account")))
    now_ms = state.clock.now_ms()
    insert_ms = int(body.get("time_ms", now_ms))
    after = body.get("complete_after_ms")
    deposit = Deposit(
        number=state.next_number(),
        coin=str(body["coin"]),
        amount=_decimal(body, "amount"),
        status=int(body.get("status", 1)),
        insert_ms=insert_ms,
        wallet_type=1 if body.get("wallet") == "funding" else 0,
        network=body.get("network"),
        complete_at_ms=None if after is None else insert_ms + int(after),
    )
    apply_deposit(account, deposit)
    state.settle(account)
    return deposit.to_binance()


def _add_withdrawal(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = state.account(str(body.get("account")))
    now_ms = state.clock.now_ms()
    apply_ms = int(body.get("time_ms", now_ms))
    after = body.get("complete_after_ms")
    withdrawal = Withdrawal(
        number=state.next_number(),
        coin=str(body["coin"]),
        amount=_decimal(body, "amount"),
        fee=_decimal(body, "fee", "0"),
        status=int(body.get("status", 6)),
        apply_ms=apply_ms,
        wallet_type=1 if body.get("wallet") == "funding" else 0,
        network=body.get("network"),
        withdraw_order_id=body.get("withdraw_order_id"),
        complete_at_ms=None if after is None else apply_ms + int(after),
    )
    apply_withdrawal(account, withdrawal)
    state.settle(account)
    return withdrawal.to_binance()


def _add_income(state: SimState, body: dict[str, Any], request: Request) -> Any:
    account = state.account(str(body.get("account")))
    income = _decimal(body, "income")
    asset = str(body.get("asset", "USDT"))
    row = {
        "symbol": str(body.get("symbol", "")),
        "incomeType": str(body.get("income_type", "TRANSFER")),
        "income": f"{income:.8f}",
        "asset": asset,
        "info": str(body.get("income_type", "TRANSFER")),
        "time": int(body.get("time_ms", state.clock.now_ms())),
        "tranId": 9689322392 + state.next_number(),
        "tradeId": str(body.get("trade_id", "")),
    }
    account.income.append(row)
    if body.get("apply_to_wallet", True):
        holding = account.futures.get(asset)
        wallet = (holding.wallet if holding else Decimal(0)) + income
        state.set_balances(account, {"futures": {asset: str(wallet)}})
    return row


def _clock_view(state: SimState) -> dict[str, Any]:
    clock = state.clock
    return {
        "now_ms": clock.now_ms(),
        "start_ms": clock.start_ms,
        "speed": clock.speed,
        "server_ms": clock.server_ms(),
        "skew_ms": clock.skew_ms,
    }


def _set_clock(state: SimState, body: dict[str, Any], request: Request) -> Any:
    clock = state.clock
    if "set_ms" in body:
        clock.set_ms(int(body["set_ms"]))
    if "advance_ms" in body:
        clock.advance(int(body["advance_ms"]))
    if "speed" in body:
        clock.set_speed(float(body["speed"]))
    if "skew_ms" in body:
        clock.skew_ms = int(body["skew_ms"])
    for account in state.accounts.values():
        state.settle(account)
    return _clock_view(state)


def _add_faults(state: SimState, body: dict[str, Any], request: Request) -> Any:
    rules = body.get("rules", [body] if body else [])
    if body.get("replace", False):
        state.faults.clear()
    known = {f.name for f in fields(FaultRule)}
    for rule in rules:
        unknown = set(rule) - known - {"replace"}
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        state.faults.add(FaultRule(**{k: v for k, v in rule.items() if k in known}))
    return {"faults": state.faults.rules()}


def _clear_faults(state: SimState, body: dict[str, Any], request: Request) -> Any:
    state.faults.clear()
    return {"faults": []}


def _requests(state: SimState, body: dict[str, Any], request: Request) -> Any:
    query = request.query_params
    rows = list(state.requests)
    for key in ("account", "path", "method"):
        if key in query:
            rows = [r for r in rows if r[key] == query[key]]
    if "limit" in query:
        rows = rows[-int(query["limit"]) :]
    return {"requests": rows, "total_weight": sum(r["weight"] for r in rows)}


def _clear_requests(state: SimState, body: dict[str, Any], request: Request) -> Any:
    state.requests.clear()
    return {"requests": []}


def _set_limits(state: SimState, body: dict[str, Any], request: Request) -> Any:
    known = {f.name for f in fields(Limits)}
    unknown = set(body) - known - {"reset_counters"}
    if unknown:
        raise ValueError(f"unknown limits {sorted(unknown)}; known: {sorted(known)}")
    for key, value in body.items():
        if key in known:
            setattr(state.meter.limits, key, int(value))
    if body.get("reset_counters", True):
        state.meter.reset()
    return asdict(state.meter.limits)


def _reset(state: SimState, body: dict[str, Any], request: Request) -> Any:
    limits = Limits(**body["limits"]) if "limits" in body else None
    state.reset(
        scenario=body.get("scenario"),
        seed=body.get("seed"),
        speed=body.get("speed"),
        start_ms=body.get("start_ms"),
        limits=limits,
    )
    return _clock_view(state) | {"scenario": state.market.scenario, "seed": state.market.seed}


def _json_object(raw: bytes) -> dict[str, Any]:
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body


def _wrap(state: SimState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        client = request.client.host if request.client else ""
        if client not in _LOOPBACK:
            return JSONResponse(
                {"error": "the admin API answers loopback clients only"}, status_code=403
            )
        raw = await request.body()
        try:
            body = _json_object(raw)
            with state.lock:
                return JSONResponse(handler(state, body, request))
        except KeyError as exc:
            status = 404 if "no account" in str(exc) else 400
            message = str(exc.args[0]) if exc.args else str(exc)
            if status == 400:
                message = f"missing or unknown key {message!r}"
            return JSONResponse({"error": message}, status_code=status)
        except UnknownSymbolError as exc:
            return JSONResponse(
                {"error": f"symbol {exc.args[0]!r} is not simulated"}, status_code=400
            )
        except (ValueError, TypeError, MoneyParseError) as exc:
            status = 409 if "exists" in str(exc) else 400
            return JSONResponse({"error": str(exc)}, status_code=status)

    return route


def admin_router(state: SimState) -> APIRouter:
    """The ``/_sim/`` routes bound to ``state``."""
    router = APIRouter(prefix="/_sim", tags=["simulator admin"])
    routes: list[tuple[str, str, Handler]] = [
        ("POST", "/accounts", _create_account),
        ("GET", "/accounts", lambda s, b, r: {"accounts": sorted(s.accounts)}),
        ("GET", "/accounts/{name}", lambda s, b, r: account_view(s, _named(s, r))),
        ("POST", "/accounts/{name}/balances", _set_balances),
        ("POST", "/accounts/{name}/positions", _set_positions),
        ("POST", "/accounts/{name}/permissions", _set_permissions),
        ("POST", "/prices", _set_prices),
        ("GET", "/prices", _get_prices),
        ("POST", "/scenario", _set_scenario),
        ("POST", "/deposits", _add_deposit),
        ("POST", "/withdrawals", _add_withdrawal),
        ("POST", "/income", _add_income),
        ("GET", "/clock", lambda s, b, r: _clock_view(s)),
        ("POST", "/clock", _set_clock),
        ("GET", "/faults", lambda s, b, r: {"faults": s.faults.rules()}),
        ("POST", "/faults", _add_faults),
        ("DELETE", "/faults", _clear_faults),
        ("GET", "/requests", _requests),
        ("DELETE", "/requests", _clear_requests),
        ("GET", "/limits", lambda s, b, r: asdict(s.meter.limits)),
        ("POST", "/limits", _set_limits),
        ("POST", "/reset", _reset),
    ]
    for method, path, handler in routes:
        router.add_api_route(path, _wrap(state, handler), methods=[method], include_in_schema=True)
    return router

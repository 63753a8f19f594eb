"""Admin routes about accounts.

Create them, set balances, positions and permissions, add deposits, withdrawals and futures
income.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from binfolio.domain.money import ZERO, fmt
from binfolio.simulator.accounts import Account
from binfolio.simulator.ledger import Deposit, Withdrawal, apply_deposit, apply_withdrawal
from binfolio.simulator.routes.admin.base import AdminRoute, Sim
from binfolio.simulator.routes.admin.schemas import (
    AccountIn,
    Balances,
    DepositIn,
    IncomeIn,
    PositionsIn,
    WithdrawalIn,
)
from binfolio.simulator.state import SimState

router = APIRouter(route_class=AdminRoute)


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


# -- accounts ------------------------------------------------------------------------------------


@router.post("/accounts")
async def create_account(body: AccountIn, state: Sim) -> dict[str, Any]:
    """Create an account; the answer holds its API key and secret."""
    with state.lock:
        account = state.create_account(
            body.name,
            balances=body.balances.given(),
            permissions=body.permissions,
            positions=[p.model_dump(exclude_none=True) for p in body.positions],
            multi_assets_margin=body.multi_assets_margin,
            api_key=body.api_key,
            api_secret=body.api_secret,
        )
    return {
        "name": account.name,
        "api_key": account.api_key,
        "api_secret": account.api_secret,
        "uid": account.uid,
    }


@router.get("/accounts")
async def list_accounts(state: Sim) -> dict[str, Any]:
    """The names of every account."""
    with state.lock:
        return {"accounts": sorted(state.accounts)}


@router.get("/accounts/{name}")
async def get_account(name: str, state: Sim) -> dict[str, Any]:
    """Balances, positions, open orders and transfers of one account."""
    with state.lock:
        return account_view(state, state.account(name))


@router.post("/accounts/{name}/balances")
async def set_balances(name: str, body: Balances, state: Sim) -> dict[str, Any]:
    """Replace the given assets of the given wallets."""
    with state.lock:
        account = state.account(name)
        state.set_balances(account, body.given())
        return account_view(state, account)


@router.post("/accounts/{name}/positions")
async def set_positions(name: str, body: PositionsIn, state: Sim) -> dict[str, Any]:
    """Replace futures positions (amount 0 closes one)."""
    with state.lock:
        account = state.account(name)
        state.set_positions(account, [p.model_dump(exclude_none=True) for p in body.positions])
        return account_view(state, account)


@router.post("/accounts/{name}/permissions")
async def set_permissions(name: str, body: dict[str, bool], state: Sim) -> dict[str, bool]:
    """Change the key's apiRestrictions flags."""
    with state.lock:
        account = state.account(name)
        unknown = set(body) - set(account.permissions)
        if unknown:
            raise ValueError(f"unknown permissions {sorted(unknown)}")
        account.permissions.update(body)
        return account.permissions


# -- transfers -----------------------------------------------------------------------------------


@router.post("/deposits")
async def add_deposit(body: DepositIn, state: Sim) -> dict[str, Any]:
    """Add a deposit record; the balance is credited when its status is 1 or 6."""
    with state.lock:
        account = state.account(body.account)
        insert_ms = state.clock.now_ms() if body.time_ms is None else body.time_ms
        after = body.complete_after_ms
        deposit = Deposit(
            number=state.next_number(),
            coin=body.coin,
            amount=body.amount,
            status=body.status,
            insert_ms=insert_ms,
            wallet_type=1 if body.wallet == "funding" else 0,
            network=body.network,
            complete_at_ms=None if after is None else insert_ms + after,
        )
        apply_deposit(account, deposit)
        state.settle(account)
        return deposit.to_binance()


@router.post("/withdrawals")
async def add_withdrawal(body: WithdrawalIn, state: Sim) -> dict[str, Any]:
    """Add a withdrawal record; amount + fee are debited."""
    with state.lock:
        account = state.account(body.account)
        apply_ms = state.clock.now_ms() if body.time_ms is None else body.time_ms
        after = body.complete_after_ms
        withdrawal = Withdrawal(
            number=state.next_number(),
            coin=body.coin,
            amount=body.amount,
            fee=body.fee,
            status=body.status,
            apply_ms=apply_ms,
            wallet_type=1 if body.wallet == "funding" else 0,
            network=body.network,
            withdraw_order_id=body.withdraw_order_id,
            complete_at_ms=None if after is None else apply_ms + after,
        )
        apply_withdrawal(account, withdrawal)
        state.settle(account)
        return withdrawal.to_binance()


@router.post("/income")
async def add_income(body: IncomeIn, state: Sim) -> dict[str, Any]:
    """Add a futures income row (and, by default, move the futures wallet by it)."""
    with state.lock:
        account = state.account(body.account)
        row = {
            "symbol": body.symbol,
            "incomeType": body.income_type,
            "income": f"{body.income:.8f}",
            "asset": body.asset,
            "info": body.income_type,
            "time": state.clock.now_ms() if body.time_ms is None else body.time_ms,
            "tranId": 9689322392 + state.next_number(),
            "tradeId": str(body.trade_id),
        }
        account.income.append(row)
        if body.apply_to_wallet:
            holding = account.futures.get(body.asset)
            wallet = (holding.wallet if holding else ZERO) + body.income
            state.set_balances(account, {"futures": {body.asset: wallet}})
        return row

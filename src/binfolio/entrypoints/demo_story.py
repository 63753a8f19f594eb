"""What happens to the demo's three accounts, hour by hour, on the simulator.

HODL buys and holds BTC/ETH: one deposit that it puts into BTC, one ETH withdrawal. Trader
swaps SOL against USDT twice a day and books a futures profit or loss every day, with one
deposit. Saver puts a weekly deposit into Simple Earn and withdraws once. The story is scaled
to the backfill's length, so even ``--days 2`` has deposits, withdrawals and trades.

Deposits and withdrawals go through the simulator's admin API, as a real account's would appear
in Binance's history (the ledger reads them back from there). Trades change balances directly
in the simulator's state at the hour's price: the demo has no order flow to show, only their
effect on the wallets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from binfolio.domain.clock import to_ms
from binfolio.simulator.testing import SimulatorHandle

FEE = Decimal("0.001")
_TRADE_USDT = Decimal(300)
_FUTURES = frozenset({"futures"})
_SPOT_EARN = frozenset({"spot", "earn"})


@dataclass(frozen=True)
class Event:
    """One change to one account at one hour (applied a little before that hour's snapshot)."""

    hour: int
    account: str
    what: str
    apply: Callable[[SimulatorHandle, int], None]
    """``apply(simulator, time_ms)``."""
    wallets: frozenset[str] = frozenset({"spot"})
    """The wallet groups the event changes (read again after it)."""


def _deposit(account: str, coin: str, amount: str) -> Callable[[SimulatorHandle, int], None]:
    def apply(sim: SimulatorHandle, time_ms: int) -> None:
        sim.add_deposit(account, coin, amount, status=1, time_ms=time_ms)

    return apply


def _withdraw(
    account: str, coin: str, amount: str, fee: str
) -> Callable[[SimulatorHandle, int], None]:
    def apply(sim: SimulatorHandle, time_ms: int) -> None:
        sim.add_withdrawal(account, coin, amount, fee=fee, status=6, time_ms=time_ms)

    return apply


def _state(sim: SimulatorHandle) -> Any:
    # In process: the demo started this simulator, its state is at app.state.sim.
    return sim.app.state.sim


def _swap(account: str, asset: str, buy: bool, usdt: Decimal | None = None) -> Callable[..., None]:
    """Buy ``asset`` for ``usdt`` (all spot USDT when None), or sell as much, at the price."""

    def apply(sim: SimulatorHandle, time_ms: int) -> None:
        state = _state(sim)
        with state.lock:
            price = state.market.price(f"{asset}USDT", time_ms)
            holder = state.account(account)
            cash = holder.balance("USDT").free if usdt is None else usdt
            if buy:
                cash = min(cash, holder.balance("USDT").free)
                holder.debit("USDT", cash)
                holder.credit(asset, (cash / price * (1 - FEE)).quantize(Decimal("0.00001")))
            else:
                amount = min(
                    (cash / price).quantize(Decimal("0.00001")), holder.balance(asset).free
                )
                holder.debit(asset, amount)
                holder.credit("USDT", (amount * price * (1 - FEE)).quantize(Decimal("0.01")))

    return apply


def _to_earn(account: str, amount: Decimal) -> Callable[[SimulatorHandle, int], None]:
    """Subscribe spot USDT to Simple Earn flexible."""

    def apply(sim: SimulatorHandle, time_ms: int) -> None:
        state = _state(sim)
        with state.lock:
            holder = state.account(account)
            moved = min(amount, holder.balance("USDT").free)
            holder.debit("USDT", moved)
            holder.earn_flexible["USDT"] = holder.earn_flexible.get("USDT", Decimal(0)) + moved

    return apply


def _futures_pnl(account: str, pnl: str) -> Callable[[SimulatorHandle, int], None]:
    def apply(sim: SimulatorHandle, time_ms: int) -> None:
        sim.add_income(
            account,
            pnl,
            asset="USDT",
            income_type="REALIZED_PNL",
            symbol="BTCUSDT",
            time_ms=time_ms,
            apply_to_wallet=True,
        )

    return apply


def story(hours: int) -> list[Event]:
    """The events of a backfill of ``hours`` hours, in order."""
    third, half = max(1, hours // 3), max(1, hours // 2)
    events = [
        Event(third, "HODL", "deposit 2,000 USDT", _deposit("HODL", "USDT", "2000")),
        Event(third + 1, "HODL", "buy BTC", _swap("HODL", "BTC", buy=True)),
        Event(2 * third, "HODL", "withdraw 0.5 ETH", _withdraw("HODL", "ETH", "0.5", "0.002")),
        Event(half, "Trader", "deposit 1,000 USDT", _deposit("Trader", "USDT", "1000")),
        Event(3 * hours // 4, "Saver", "withdraw 200 USDT", _withdraw("Saver", "USDT", "200", "1")),
    ]
    for hour in range(6, hours, 12):
        buy = (hour // 12) % 2 == 0
        what = "buy SOL" if buy else "sell SOL"
        events.append(Event(hour, "Trader", what, _swap("Trader", "SOL", buy, _TRADE_USDT)))
    for day, hour in enumerate(range(20, hours, 24)):
        pnl = ("85.40", "-42.10", "130.00", "-18.75", "61.20")[day % 5]
        pnl_event = _futures_pnl("Trader", pnl)
        events.append(Event(hour, "Trader", f"futures PnL {pnl}", pnl_event, _FUTURES))
    weekly = list(range(24 * 7, hours, 24 * 7)) or [half]
    for hour in weekly:
        events.append(Event(hour, "Saver", "deposit 250 USDT", _deposit("Saver", "USDT", "250")))
        subscribe = _to_earn("Saver", Decimal(250))
        events.append(Event(hour + 1, "Saver", "250 USDT to Earn", subscribe, _SPOT_EARN))
    return sorted((e for e in events if 0 < e.hour <= hours), key=lambda e: e.hour)


def apply_events(
    sim: SimulatorHandle, events: list[Event], moment: datetime
) -> dict[str, set[str]]:
    """Apply ``events`` ten minutes before ``moment``; returns account → wallets changed."""
    time_ms = to_ms(moment - timedelta(minutes=10))
    changed: dict[str, set[str]] = {}
    for event in events:
        event.apply(sim, time_ms)
        changed.setdefault(event.account, set()).update(event.wallets)
    return changed

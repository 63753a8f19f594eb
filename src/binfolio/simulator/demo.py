"""The ready demo account that ``binfolio simulator`` prints: every wallet funded, a futures
position, and a little deposit and withdrawal history (one deposit still pending)."""

from __future__ import annotations

from decimal import Decimal

from binfolio.simulator.accounts import Account
from binfolio.simulator.ledger import Deposit, Withdrawal, apply_deposit, apply_withdrawal
from binfolio.simulator.state import SimState

_DAY_MS = 86_400_000
DEMO_BALANCES = {
    "spot": {
        "USDT": "5000",
        "BTC": "0.5",
        "ETH": "4",
        "BNB": "10",
        "SOL": "25",
        "ARDR": "2000",
        "ZEN": "30",
        "TRY": "20000",
        "USDC": "750",
    },
    "funding": {"USDT": "500", "FDUSD": "250"},
    "earn_flexible": {"USDT": "2000", "BTC": "0.05"},
    "earn_locked": {"ETH": "1.5"},
    "futures": {"USDT": "3000", "USDC": "200"},
}


def create_demo_account(state: SimState, name: str = "demo") -> Account:
    """Create the demo account in ``state`` and give it some history.

    Raises:
        ValueError: when an account of that name exists.
    """
    now_ms = state.clock.now_ms()
    account = state.create_account(
        name,
        balances=DEMO_BALANCES,
        positions=[
            {"symbol": "BTCUSDT", "amount": "0.05", "leverage": 5},
            {"symbol": "ETHUSDT", "amount": "-1", "leverage": 5},
        ],
    )
    apply_deposit(
        account, Deposit(state.next_number(), "USDT", Decimal("1000"), 1, now_ms - 20 * _DAY_MS)
    )
    apply_deposit(
        account, Deposit(state.next_number(), "BTC", Decimal("0.1"), 1, now_ms - 9 * _DAY_MS)
    )
    # Pending for ten (simulated) minutes, then credited: shows the pending → completed path.
    apply_deposit(
        account,
        Deposit(
            state.next_number(),
            "ETH",
            Decimal("0.5"),
            0,
            now_ms - 60_000,
            complete_at_ms=now_ms + 600_000,
        ),
    )
    apply_withdrawal(
        account,
        Withdrawal(
            state.next_number(), "USDT", Decimal("300"), Decimal("1"), 6, now_ms - 3 * _DAY_MS
        ),
    )
    return account


# The three accounts of `binfolio demo`: a holder, a trader and a saver, so that the dashboard
# shows three different shapes of portfolio against the same BTC/ETH benchmark.
DEMO_PORTFOLIOS: dict[str, dict[str, dict[str, str]]] = {
    "HODL": {
        "spot": {"BTC": "0.35", "ETH": "4", "USDT": "250"},
    },
    "Trader": {
        "spot": {"USDT": "4000", "BTC": "0.03", "SOL": "40", "BNB": "5"},
        "funding": {"USDT": "150"},
        "futures": {"USDT": "2500"},
    },
    "Saver": {
        "spot": {"USDT": "300"},
        "funding": {"USDT": "100"},
        "earn_flexible": {"USDT": "12000", "BTC": "0.05"},
        "earn_locked": {"ETH": "2"},
    },
}

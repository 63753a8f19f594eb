"""Deposits and withdrawals with any status, and their pending → completed transitions.

Binance's quirks are kept on purpose (docs/binance.md, "Deposit and withdrawal history"):
deposit ``id`` is a string and
``insertTime`` is in ms; withdrawal ``applyTime``/``completeTime`` are UTC strings
``YYYY-MM-DD HH:MM:SS``; a withdrawal's ``amount`` excludes ``transactionFee``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from binfolio.domain.clock import from_ms
from binfolio.domain.money import fmt
from binfolio.simulator.accounts import Account

DEPOSIT_CREDITED = (1, 6)
DEPOSIT_PENDING = (0, 8)
WITHDRAWAL_DEBITED = (0, 2, 4, 6)
WITHDRAWAL_PENDING = (0, 2, 4)
WITHDRAWAL_COMPLETED = 6
_NETWORKS = {"BTC": "BTC", "ETH": "ETH", "BNB": "BSC", "USDT": "TRX", "USDC": "ETH", "SOL": "SOL"}


def binance_time_text(time_ms: int) -> str:
    """``applyTime`` format: UTC ``YYYY-MM-DD HH:MM:SS``."""
    return from_ms(time_ms).strftime("%Y-%m-%d %H:%M:%S")


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


@dataclass
class Deposit:
    """One deposit; credited to spot (``wallet_type`` 0) or funding (1) when it succeeds."""

    number: int
    coin: str
    amount: Decimal
    status: int
    insert_ms: int
    wallet_type: int = 0
    network: str | None = None
    complete_at_ms: int | None = None
    credited: bool = False

    def to_binance(self) -> dict[str, object]:
        """The row of ``GET /sapi/v1/capital/deposit/hisrec``."""
        row: dict[str, object] = {
            "id": str(769800519366885376 + self.number),
            "amount": fmt(self.amount),
            "coin": self.coin,
            "network": self.network or _NETWORKS.get(self.coin, self.coin),
            "status": self.status,
            "address": "0x" + _hex(f"address:{self.coin}", 40),
            "addressTag": "",
            "txId": "0x" + _hex(f"deposit:{self.number}", 64),
            "insertTime": self.insert_ms,
            "transferType": 0,
            "confirmTimes": "1/1" if self.status in DEPOSIT_CREDITED else "0/1",
            "unlockConfirm": 0,
            "walletType": self.wallet_type,
            "travelRuleStatus": 0,
        }
        if self.status in DEPOSIT_CREDITED:
            row["completeTime"] = self.complete_at_ms or self.insert_ms
        return row


@dataclass
class Withdrawal:
    """One withdrawal; ``amount + fee`` leaves the wallet when it is applied."""

    number: int
    coin: str
    amount: Decimal
    fee: Decimal
    status: int
    apply_ms: int
    wallet_type: int = 0
    network: str | None = None
    withdraw_order_id: str | None = None
    complete_at_ms: int | None = None
    complete_ms: int | None = None

    @property
    def withdrawal_id(self) -> str:
        """Binance's 32-hex-character withdrawal id."""
        return _hex(f"withdrawal:{self.number}", 32)

    def to_binance(self) -> dict[str, object]:
        """The row of ``GET /sapi/v1/capital/withdraw/history``."""
        row: dict[str, object] = {
            "id": self.withdrawal_id,
            "amount": f"{self.amount:.8f}",
            "transactionFee": fmt(self.fee),
            "coin": self.coin,
            "status": self.status,
            "address": "0x" + _hex(f"to:{self.coin}", 40),
            "txId": "0x" + _hex(f"withdraw-tx:{self.number}", 64) if self.status == 6 else "",
            "applyTime": binance_time_text(self.apply_ms),
            "network": self.network or _NETWORKS.get(self.coin, self.coin),
            "transferType": 0,
            "info": "",
            "confirmNo": 3 if self.status == WITHDRAWAL_COMPLETED else 0,
            "walletType": self.wallet_type,
            "txKey": "",
        }
        if self.withdraw_order_id:
            row["withdrawOrderId"] = self.withdraw_order_id
        if self.status == WITHDRAWAL_COMPLETED:
            row["completeTime"] = binance_time_text(self.complete_ms or self.apply_ms)
        return row


def _adjust(account: Account, wallet_type: int, coin: str, delta: Decimal) -> None:
    if wallet_type == 1:
        account.funding[coin] = account.funding.get(coin, Decimal(0)) + delta
    else:
        account.balance(coin).free += delta


def apply_deposit(account: Account, deposit: Deposit) -> None:
    """Record a deposit and credit it if its status says the money arrived."""
    account.deposits.append(deposit)
    if deposit.status in DEPOSIT_CREDITED:
        _adjust(account, deposit.wallet_type, deposit.coin, deposit.amount)
        deposit.credited = True


def apply_withdrawal(account: Account, withdrawal: Withdrawal) -> None:
    """Record a withdrawal and debit ``amount + fee`` unless it was cancelled or failed.

    Raises:
        ValueError: when the wallet holds less than ``amount + fee``.
    """
    if withdrawal.status in WITHDRAWAL_DEBITED:
        total = withdrawal.amount + withdrawal.fee
        held = (
            account.funding.get(withdrawal.coin, Decimal(0))
            if withdrawal.wallet_type == 1
            else account.balance(withdrawal.coin).free
        )
        if held < total:
            raise ValueError(
                f"{account.name} holds {fmt(held)} {withdrawal.coin}, less than amount + fee "
                f"{fmt(total)}; set a balance first"
            )
        _adjust(account, withdrawal.wallet_type, withdrawal.coin, -total)
    if withdrawal.status == WITHDRAWAL_COMPLETED:
        withdrawal.complete_ms = withdrawal.complete_ms or withdrawal.apply_ms
    account.withdrawals.append(withdrawal)


def settle_transfers(account: Account, now_ms: int) -> None:
    """Complete the pending deposits and withdrawals whose time has come."""
    for deposit in account.deposits:
        due = deposit.complete_at_ms
        if deposit.status in DEPOSIT_PENDING and due is not None and due <= now_ms:
            deposit.status = 1
            _adjust(account, deposit.wallet_type, deposit.coin, deposit.amount)
            deposit.credited = True
    for withdrawal in account.withdrawals:
        due = withdrawal.complete_at_ms
        if withdrawal.status in WITHDRAWAL_PENDING and due is not None and due <= now_ms:
            withdrawal.status = WITHDRAWAL_COMPLETED
            withdrawal.complete_ms = due

"""Cash flows: Binance deposit and withdrawal records parsed into :class:`CashFlow` objects.

The two history endpoints disagree on time formats (docs/binance.md), and a monitor that read
``applyTime`` as milliseconds once lost every flow of a run to it: deposits carry ``insertTime``
in milliseconds, withdrawals
carry ``applyTime`` and ``completeTime`` as UTC strings ``"2019-10-12 11:12:02"``. Both are
parsed here, at the edge, and any malformed field raises one :class:`FlowParseError` that names
the endpoint and the field instead of silently dropping records.

Only final records become flows: deposits with status 1 (success) or 6 (credited, cannot
withdraw yet) and withdrawals with status 6 (completed). A withdrawal leaves the account with
``amount + transactionFee``, because Binance's ``amount`` excludes the fee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from binfolio.domain.clock import from_ms
from binfolio.domain.money import ZERO, MoneyParseError, to_decimal
from binfolio.domain.types import Asset
from binfolio.errors import BinfolioError

DEPOSIT_ENDPOINT = "GET /sapi/v1/capital/deposit/hisrec"
WITHDRAW_ENDPOINT = "GET /sapi/v1/capital/withdraw/history"

FINAL_DEPOSIT_STATUSES = frozenset({1, 6})
FINAL_WITHDRAWAL_STATUSES = frozenset({6})

# Binance's withdrawal history format: UTC, no zone marker, second resolution.
_WITHDRAW_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class FlowKind(StrEnum):
    """Which way money crossed the account's boundary."""

    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


class FlowParseError(BinfolioError, ValueError):
    """A deposit or withdrawal record lacks a field or carries one we cannot read."""


@dataclass(frozen=True, slots=True)
class CashFlow:
    """One final external deposit or withdrawal, in coin units, at the time it hit the balance.

    ``time`` is the deposit's ``insertTime`` or the withdrawal's ``applyTime``: Binance debits a
    withdrawal from the balance when it is applied for, so a snapshot after ``applyTime`` already
    misses the coins even if ``completeTime`` is later.
    """

    kind: FlowKind
    binance_id: str
    coin: Asset
    amount: Decimal
    fee: Decimal
    time: datetime
    status: int
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def gross_units(self) -> Decimal:
        """Coin units that entered (deposit) or left (withdrawal, fee included) the account."""
        return self.amount + self.fee

    @property
    def sign(self) -> int:
        """+1 for money in, -1 for money out."""
        return 1 if self.kind is FlowKind.DEPOSIT else -1


def parse_binance_utc(text: str, *, field_name: str = "applyTime") -> datetime:
    """Parse Binance's withdrawal time string (``"2019-10-12 11:12:02"``, UTC) into aware UTC.

    Raises:
        FlowParseError: when the text is not in that format.
    """
    try:
        naive = datetime.strptime(text, _WITHDRAW_TIME_FORMAT)  # noqa: DTZ007 (UTC by contract)
    except (TypeError, ValueError) as exc:
        raise FlowParseError(
            f"{WITHDRAW_ENDPOINT}: {field_name} {text!r} is not 'YYYY-MM-DD HH:MM:SS' (UTC)"
        ) from exc
    return naive.replace(tzinfo=UTC)


def parse_deposit(record: Mapping[str, Any]) -> CashFlow | None:
    """Turn one deposit-history record into a flow, or None while it is not final.

    Raises:
        FlowParseError: for a missing or malformed ``id``, ``coin``, ``amount``, ``status`` or
            ``insertTime``.
    """
    status = _int_field(record, "status", DEPOSIT_ENDPOINT)
    if status not in FINAL_DEPOSIT_STATUSES:
        return None
    insert_time_ms = _int_field(record, "insertTime", DEPOSIT_ENDPOINT)
    return CashFlow(
        kind=FlowKind.DEPOSIT,
        binance_id=_id_field(record, DEPOSIT_ENDPOINT),
        coin=_coin_field(record, DEPOSIT_ENDPOINT),
        amount=_decimal_field(record, "amount", DEPOSIT_ENDPOINT),
        fee=ZERO,
        time=from_ms(insert_time_ms),
        status=status,
        completed_at=_optional_ms(record, "completeTime"),
        raw=dict(record),
    )


def parse_withdrawal(record: Mapping[str, Any]) -> CashFlow | None:
    """Turn one withdrawal-history record into a flow, or None while it is not completed.

    Raises:
        FlowParseError: for a missing or malformed ``id``, ``coin``, ``amount``,
            ``transactionFee``, ``status``, ``applyTime`` or ``completeTime``.
    """
    status = _int_field(record, "status", WITHDRAW_ENDPOINT)
    if status not in FINAL_WITHDRAWAL_STATUSES:
        return None
    apply_time = record.get("applyTime")
    if not isinstance(apply_time, str):
        raise FlowParseError(f"{WITHDRAW_ENDPOINT}: applyTime missing or not a string")
    complete_time = record.get("completeTime")
    completed_at = (
        parse_binance_utc(complete_time, field_name="completeTime")
        if isinstance(complete_time, str) and complete_time
        else None
    )
    fee = record.get("transactionFee", "0")
    return CashFlow(
        kind=FlowKind.WITHDRAWAL,
        binance_id=_id_field(record, WITHDRAW_ENDPOINT),
        coin=_coin_field(record, WITHDRAW_ENDPOINT),
        amount=_decimal_field(record, "amount", WITHDRAW_ENDPOINT),
        fee=_decimal_value(fee, "transactionFee", WITHDRAW_ENDPOINT),
        time=parse_binance_utc(apply_time, field_name="applyTime"),
        status=status,
        completed_at=completed_at,
        raw=dict(record),
    )


def _id_field(record: Mapping[str, Any], endpoint: str) -> str:
    value = record.get("id")
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        raise FlowParseError(f"{endpoint}: record without an id: {dict(record)!r}")
    return str(value)


def _coin_field(record: Mapping[str, Any], endpoint: str) -> Asset:
    value = record.get("coin")
    if not isinstance(value, str) or not value:
        raise FlowParseError(f"{endpoint}: coin missing in record {record.get('id')!r}")
    return Asset(value.upper())


def _int_field(record: Mapping[str, Any], name: str, endpoint: str) -> int:
    value = record.get(name)
    if isinstance(value, bool):
        raise FlowParseError(f"{endpoint}: {name} {value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise FlowParseError(f"{endpoint}: {name} {value!r} is not an integer")


def _optional_ms(record: Mapping[str, Any], name: str) -> datetime | None:
    if record.get(name) in (None, ""):
        return None
    return from_ms(_int_field(record, name, DEPOSIT_ENDPOINT))


def _decimal_field(record: Mapping[str, Any], name: str, endpoint: str) -> Decimal:
    if name not in record:
        raise FlowParseError(f"{endpoint}: {name} missing in record {record.get('id')!r}")
    return _decimal_value(record[name], name, endpoint)


def _decimal_value(value: Any, name: str, endpoint: str) -> Decimal:
    try:
        result = to_decimal(value, field=name)
    except MoneyParseError as exc:
        raise FlowParseError(f"{endpoint}: {exc}") from exc
    if result < 0:
        raise FlowParseError(f"{endpoint}: {name} {value!r} is negative")
    return result

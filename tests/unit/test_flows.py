"""Parsing Binance deposit and withdrawal history into cash flows (both time formats)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from binfolio.domain.flows import (
    FlowKind,
    FlowParseError,
    parse_binance_utc,
    parse_deposit,
    parse_withdrawal,
)

# Binance's documented examples (docs/binance.md, "Deposit and withdrawal history"), trimmed
# to the fields we read.
DEPOSIT = {
    "id": "769800519366885376",
    "amount": "0.001",
    "coin": "BNB",
    "network": "BNB",
    "status": 1,
    "txId": "98A3EA560C6B3336D348B6C83F0F95ECE4F1F5919E94BD006E5BF3BF264FACFC",
    "insertTime": 1661493146000,
    "completeTime": 1661493146000,
    "transferType": 0,
}
WITHDRAWAL = {
    "id": "b6ae22b3aa844210a7041aee7589627c",
    "amount": "8.91000000",
    "transactionFee": "0.004",
    "coin": "USDT",
    "status": 6,
    "applyTime": "2019-10-12 11:12:02",
    "completeTime": "2023-03-23 16:52:41",
    "transferType": 0,
}


def test_deposit_time_is_insert_time_in_milliseconds() -> None:
    flow = parse_deposit(DEPOSIT)

    assert flow is not None
    assert flow.kind is FlowKind.DEPOSIT
    assert flow.binance_id == "769800519366885376"
    # 1661493146000 ms = 2022-08-26 05:52:26 UTC
    assert flow.time == datetime(2022, 8, 26, 5, 52, 26, tzinfo=UTC)
    assert flow.amount == Decimal("0.001")
    assert flow.fee == 0
    assert flow.gross_units == Decimal("0.001")
    assert flow.sign == 1
    assert flow.raw["txId"] == DEPOSIT["txId"]


def test_btc_withdrawal_with_fee_and_string_apply_time() -> None:
    record = {**WITHDRAWAL, "coin": "BTC", "amount": "0.5", "transactionFee": "0.0005"}

    flow = parse_withdrawal(record)

    assert flow is not None
    assert flow.kind is FlowKind.WITHDRAWAL
    assert flow.coin == "BTC"
    # applyTime "2019-10-12 11:12:02" is UTC and is when the balance was debited.
    assert flow.time == datetime(2019, 10, 12, 11, 12, 2, tzinfo=UTC)
    assert flow.completed_at == datetime(2023, 3, 23, 16, 52, 41, tzinfo=UTC)
    # Binance's amount excludes the fee: 0.5 + 0.0005 = 0.5005 BTC left the account.
    assert flow.gross_units == Decimal("0.5005")
    assert flow.sign == -1


@pytest.mark.parametrize("status", [1, 6, "1"])
def test_deposit_statuses_success_and_credited_are_final(status: object) -> None:
    assert parse_deposit({**DEPOSIT, "status": status}) is not None


@pytest.mark.parametrize("status", [0, 2, 7, 8])
def test_pending_rejected_and_unconfirmed_deposits_are_not_flows(status: int) -> None:
    assert parse_deposit({**DEPOSIT, "status": status}) is None


@pytest.mark.parametrize("status", [0, 1, 2, 3, 4, 5])
def test_only_completed_withdrawals_are_flows(status: int) -> None:
    assert parse_withdrawal({**WITHDRAWAL, "status": status}) is None
    assert parse_withdrawal({**WITHDRAWAL, "status": 6}) is not None


def test_a_pending_withdrawal_without_apply_time_format_is_not_parsed_at_all() -> None:
    # Status is read first: a record that is not final never fails on its other fields.
    assert parse_withdrawal({"id": "x", "status": 4, "applyTime": 1570878722000}) is None


def test_withdrawal_with_millisecond_apply_time_is_an_error_that_names_the_field() -> None:
    # One format per endpoint (docs/binance.md), and a wrong one is reported, not swallowed: a
    # monitor that read applyTime as milliseconds once lost every flow of its runs that way.
    with pytest.raises(FlowParseError, match="applyTime"):
        parse_withdrawal({**WITHDRAWAL, "applyTime": 1570878722000})


def test_withdrawal_with_malformed_time_string_names_endpoint_and_field() -> None:
    with pytest.raises(FlowParseError, match=r"withdraw/history: completeTime '2023-03-23T16"):
        parse_withdrawal({**WITHDRAWAL, "completeTime": "2023-03-23T16:52:41Z"})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", 8.91, "refusing float"),
        ("amount", "abc", "not a decimal"),
        ("amount", "-1", "negative"),
        ("id", "", "without an id"),
        ("coin", None, "coin missing"),
    ],
)
def test_malformed_withdrawal_fields_raise(field: str, value: object, message: str) -> None:
    with pytest.raises(FlowParseError, match=message):
        parse_withdrawal({**WITHDRAWAL, field: value})


def test_deposit_without_insert_time_raises() -> None:
    record = {k: v for k, v in DEPOSIT.items() if k != "insertTime"}
    with pytest.raises(FlowParseError, match="insertTime"):
        parse_deposit(record)


def test_withdrawal_without_fee_field_has_zero_fee() -> None:
    record = {k: v for k, v in WITHDRAWAL.items() if k != "transactionFee"}
    flow = parse_withdrawal(record)
    assert flow is not None
    assert flow.fee == 0


def test_history_mixes_both_formats_in_time_order_and_skips_non_final() -> None:
    deposits = [
        DEPOSIT,  # 2022-08-26
        {**DEPOSIT, "id": "pending", "status": 0},
    ]
    withdrawals = [WITHDRAWAL, {**WITHDRAWAL, "id": "cancelled", "status": 1}]  # 2019-10-12

    parsed = [parse_deposit(r) for r in deposits] + [parse_withdrawal(r) for r in withdrawals]
    flows = sorted((f for f in parsed if f is not None), key=lambda f: f.time)

    # Both time formats become aware UTC datetimes, so one history sorts by time.
    assert [(f.kind, f.binance_id) for f in flows] == [
        (FlowKind.WITHDRAWAL, "b6ae22b3aa844210a7041aee7589627c"),
        (FlowKind.DEPOSIT, "769800519366885376"),
    ]


def test_binance_utc_string_is_aware_utc() -> None:
    assert parse_binance_utc("2026-01-02 03:04:05") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

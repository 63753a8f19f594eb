"""The money-matched benchmark, with every expectation worked out by hand in the comments.

Basket 50/50 BTC/ETH, rebalanced Mondays 12:00 UTC. 2026-11-16 and 2026-11-23 are Mondays.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from binfolio.domain import benchmark as bm
from binfolio.domain.benchmark import (
    BasketSpec,
    BenchmarkError,
    BenchmarkFlow,
    EventKind,
    PlannedEvent,
)
from binfolio.domain.clock import to_ms
from binfolio.domain.flows import FlowKind, parse_withdrawal
from binfolio.domain.types import Asset

BTC, ETH = Asset("BTC"), Asset("ETH")
SPEC = BasketSpec({BTC: Decimal("0.5"), ETH: Decimal("0.5")}, "0 12 * * 1")
T0 = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # a Tuesday
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
START_PRICES = {BTC: Decimal(50000), ETH: Decimal(2500)}
D = Decimal


def started() -> bm.BenchmarkState:
    return bm.state_after(bm.start(SPEC, T0, D(10000), START_PRICES))


def deposit(value: str, time: datetime, ref: str = "1") -> PlannedEvent:
    flow = BenchmarkFlow(ref, FlowKind.DEPOSIT, time, D(value))
    return PlannedEvent(EventKind.DEPOSIT, time, flow)


def withdrawal(value: Decimal, time: datetime, ref: str = "2") -> PlannedEvent:
    flow = BenchmarkFlow(ref, FlowKind.WITHDRAWAL, time, value)
    return PlannedEvent(EventKind.WITHDRAWAL, time, flow)


def test_start_splits_nav_by_weight_at_snapshot_prices() -> None:
    event = bm.start(SPEC, T0, D(10000), START_PRICES)

    # BTC: 10000 × 0.5 / 50000 = 0.1;  ETH: 10000 × 0.5 / 2500 = 2
    assert event.units_after == {BTC: D("0.1"), ETH: D(2)}
    assert event.units_before == {}
    assert event.kind is EventKind.START
    assert event.prices == START_PRICES
    assert event.value_usdt == D(10000)
    assert bm.basket_value(event.units_after, START_PRICES) == D(10000)


def test_deposit_at_prices_different_from_the_start_buys_at_flow_time_prices() -> None:
    state = started()
    flow_time = T0 + timedelta(days=1)

    state, event = bm.apply(SPEC, state, deposit("1000", flow_time), {BTC: D(40000), ETH: D(2000)})

    # BTC += 1000 × 0.5 / 40000 = 0.0125 → 0.1125;  ETH += 1000 × 0.5 / 2000 = 0.25 → 2.25
    assert state.units == {BTC: D("0.1125"), ETH: D("2.25")}
    assert event.units_before == {BTC: D("0.1"), ETH: D(2)}
    # B after = 0.1125 × 40000 + 2.25 × 2000 = 4500 + 4500 = 9000 = 8000 before + 1000
    assert bm.basket_value(state.units, event.prices) == D(9000)
    assert event.net_flow_usdt == D(1000)


def test_btc_withdrawal_with_fee_and_string_apply_time_reduces_by_its_usdt_value() -> None:
    record = {
        "id": "w1",
        "coin": "BTC",
        "amount": "0.01",
        "transactionFee": "0.0005",
        "status": 6,
        "applyTime": "2026-11-18 10:30:15",
    }
    flow = parse_withdrawal(record)
    assert flow is not None
    assert flow.time == datetime(2026, 11, 18, 10, 30, 15, tzinfo=UTC)
    btc_close = D(40000)  # close of the 10:30 kline
    # V = (0.01 + 0.0005) × 40000 = 420 USDT: coin units valued, fee included, not 0.01 "dollars"
    value = flow.gross_units * btc_close
    assert value == D(420)

    state, event = bm.apply(
        SPEC, started(), withdrawal(value, flow.time), {BTC: btc_close, ETH: D(2000)}
    )

    # B(τ) = 0.1 × 40000 + 2 × 2000 = 8000;  keep 1 − 420 / 8000 = 0.9475
    # BTC 0.1 × 0.9475 = 0.09475;  ETH 2 × 0.9475 = 1.895
    assert state.units == {BTC: D("0.09475"), ETH: D("1.895")}
    assert event.value_usdt == D(420)
    assert event.net_flow_usdt == D(-420)
    assert event.warning is None
    # The minute of the flow is the kline that contains it: 10:30:00.
    assert bm.kline_minute_ms(flow.time) == to_ms(datetime(2026, 11, 18, 10, 30, tzinfo=UTC))


def test_withdrawal_reduces_every_asset_proportionally() -> None:
    prices = {BTC: D(40000), ETH: D(2000)}  # B = 4000 + 4000 = 8000

    state, _ = bm.apply(SPEC, started(), withdrawal(D(2000), T0 + timedelta(hours=1)), prices)

    # keep 1 − 2000 / 8000 = 0.75: BTC 0.075, ETH 1.5; the 1:20 unit ratio is unchanged
    assert state.units == {BTC: D("0.075"), ETH: D("1.5")}
    assert state.units[ETH] / state.units[BTC] == D(20)


def test_withdrawal_larger_than_the_benchmark_floors_at_zero_with_a_warning() -> None:
    # B = 0.1 × 50000 + 2 × 2500 = 10000; the account withdraws 12000 (it beat the basket).
    state, event = bm.apply(
        SPEC, started(), withdrawal(D(12000), T0 + timedelta(hours=1)), START_PRICES
    )

    assert state.units == {BTC: D(0), ETH: D(0)}
    assert event.value_usdt == D(10000)  # what the benchmark could pay
    assert event.net_flow_usdt == D(-10000)
    assert event.warning is not None
    assert "12000" in event.warning
    assert "10000" in event.warning


def test_rebalance_between_two_snapshots_uses_the_kline_close_at_its_scheduled_time() -> None:
    state = started()
    snapshot_time = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    plan = bm.plan(SPEC, state, [], snapshot_time)

    assert [(e.kind, e.time) for e in plan.events] == [(EventKind.REBALANCE, MONDAY_NOON)]
    # The kline that opens at 12:00 prices it.
    assert bm.kline_minute_ms(MONDAY_NOON) == to_ms(MONDAY_NOON)
    at_noon = {BTC: D(60000), ETH: D(2000)}
    state, event = bm.apply(SPEC, state, plan.events[0], at_noon)
    # B(R) = 0.1 × 60000 + 2 × 2000 = 10000 → BTC 5000 / 60000, ETH 5000 / 2000 = 2.5
    assert event.value_usdt == D(10000)
    assert state.units[ETH] == D("2.5")
    assert state.units[BTC] == D(5000) / D(60000)
    # At the next snapshot (BTC 60000, ETH 3000): 5000 + 2.5 × 3000 = 12500
    # (without the rebalance it would be 0.1 × 60000 + 2 × 3000 = 12000).
    at_snapshot = {BTC: D(60000), ETH: D(3000)}
    assert bm.basket_value(state.units, at_snapshot).quantize(D("1e-18")) == D(12500)


def test_flows_at_or_before_the_start_are_ignored() -> None:
    early = BenchmarkFlow("1", FlowKind.DEPOSIT, T0 - timedelta(hours=1), D(500))
    same_instant = BenchmarkFlow("2", FlowKind.DEPOSIT, T0, D(700))
    later = BenchmarkFlow("3", FlowKind.DEPOSIT, T0 + timedelta(hours=1), D(900))

    plan = bm.plan(SPEC, started(), [early, same_instant, later], T0 + timedelta(days=1))

    # The starting NAV already contains the first two.
    assert [e.flow.ref for e in plan.events if e.flow] == ["3"]


def test_flows_after_until_wait_for_a_later_update() -> None:
    later = BenchmarkFlow("1", FlowKind.DEPOSIT, T0 + timedelta(days=2), D(900))
    plan = bm.plan(SPEC, started(), [later], T0 + timedelta(days=1))
    assert plan.events == []


def test_flow_at_the_rebalance_instant_is_applied_before_the_rebalance() -> None:
    flow = BenchmarkFlow("7", FlowKind.DEPOSIT, MONDAY_NOON, D(1000))

    plan = bm.plan(SPEC, started(), [flow], MONDAY_NOON)

    assert [e.kind for e in plan.events] == [EventKind.DEPOSIT, EventKind.REBALANCE]


def test_late_deposit_before_an_applied_rebalance_demands_a_rebuild_counted_once() -> None:
    # Run 1 (Tuesday 24th): the deposit of Saturday 21st is still pending at Binance, so only
    # the Monday rebalance is applied.
    at_noon = {BTC: D(60000), ETH: D(2000)}
    state = started()
    plan = bm.plan(SPEC, state, [], datetime(2026, 11, 24, tzinfo=UTC))
    state, _ = bm.apply(SPEC, state, plan.events[0], at_noon)

    # Run 2: it completed with insertTime Saturday 10:00: it sorts before the rebalance.
    insert_time = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    late = BenchmarkFlow("9", FlowKind.DEPOSIT, insert_time, D(1000))
    assert bm.plan(SPEC, state, [late], datetime(2026, 11, 25, tzinfo=UTC)).needs_rebuild

    # Rebuild: the deposit is bought once, at its insertTime prices (BTC 40000, ETH 2000).
    state = started()
    plan = bm.plan(SPEC, state, [late], datetime(2026, 11, 25, tzinfo=UTC))
    assert [e.kind for e in plan.events] == [EventKind.DEPOSIT, EventKind.REBALANCE]
    state, bought = bm.apply(SPEC, state, plan.events[0], {BTC: D(40000), ETH: D(2000)})
    # (0.1, 2) + (1000 × 0.5 / 40000, 1000 × 0.5 / 2000) = (0.1125, 2.25)
    assert bought.units_after == {BTC: D("0.1125"), ETH: D("2.25")}
    state, _ = bm.apply(SPEC, state, plan.events[1], at_noon)
    # B(R) = 0.1125 × 60000 + 2.25 × 2000 = 6750 + 4500 = 11250
    # → BTC 5625 / 60000 = 0.09375, ETH 5625 / 2000 = 2.8125
    assert state.units == {BTC: D("0.09375"), ETH: D("2.8125")}


def test_rebalance_at_the_start_instant_is_not_repeated() -> None:
    state = bm.state_after(bm.start(SPEC, MONDAY_NOON, D(10000), START_PRICES))
    plan = bm.plan(SPEC, state, [], MONDAY_NOON + timedelta(days=6))
    assert plan.events == []


def test_incremental_plans_continue_after_the_last_applied_rebalance() -> None:
    state = started()
    prices = {BTC: D(60000), ETH: D(2000)}
    first = bm.plan(SPEC, state, [], datetime(2026, 11, 24, tzinfo=UTC))
    state, _ = bm.apply(SPEC, state, first.events[0], prices)

    second = bm.plan(SPEC, state, [], datetime(2026, 12, 1, 13, 0, tzinfo=UTC))

    assert [e.time for e in second.events] == [datetime(2026, 11, 30, 12, 0, tzinfo=UTC)]


def test_applying_an_event_out_of_order_is_refused() -> None:
    state = started()
    with pytest.raises(BenchmarkError, match="does not follow"):
        bm.apply(SPEC, state, deposit("10", T0 - timedelta(minutes=1)), START_PRICES)


def test_missing_price_is_refused() -> None:
    with pytest.raises(BenchmarkError, match="ETH"):
        bm.apply(SPEC, started(), deposit("10", T0 + timedelta(minutes=1)), {BTC: D(1)})


def test_usdt_in_the_basket_is_priced_at_one_without_a_kline() -> None:
    spec = BasketSpec({BTC: D("0.6"), Asset("USDT"): D("0.4")}, "0 0 1 * *")

    event = bm.start(spec, T0, D(1000), {BTC: D(50000)})

    # BTC 600 / 50000 = 0.012; USDT 400 / 1 = 400
    assert event.units_after == {BTC: D("0.012"), Asset("USDT"): D(400)}
    assert spec.kline_symbols() == {BTC: "BTCUSDT"}


@pytest.mark.parametrize(
    ("weights", "cron", "message"),
    [
        ({BTC: D("0.5"), ETH: D("0.4")}, "0 12 * * 1", "sum to 1"),
        ({BTC: D("1.5"), ETH: D("-0.5")}, "0 12 * * 1", "positive"),
        ({}, "0 12 * * 1", "at least one"),
        ({BTC: D(1)}, "every monday", "cron"),
    ],
)
def test_invalid_baskets_are_refused(
    weights: dict[Asset, Decimal], cron: str, message: str
) -> None:
    with pytest.raises(BenchmarkError, match=message):
        BasketSpec(weights, cron)


def test_fingerprint_changes_with_weights_and_schedule_only() -> None:
    same = BasketSpec({ETH: D("0.50"), BTC: D("0.5")}, "0 12 * * 1")
    other_weights = BasketSpec({BTC: D("0.6"), ETH: D("0.4")}, "0 12 * * 1")
    other_cron = BasketSpec({BTC: D("0.5"), ETH: D("0.5")}, "0 12 * * 2")

    assert same.fingerprint() == SPEC.fingerprint()
    assert other_weights.fingerprint() != SPEC.fingerprint()
    assert other_cron.fingerprint() != SPEC.fingerprint()


def test_rebalance_times_are_utc_and_bounded_both_ways() -> None:
    times = bm.rebalance_times("0 12 * * 1", MONDAY_NOON, MONDAY_NOON + timedelta(days=14))
    assert times == [MONDAY_NOON + timedelta(days=7), MONDAY_NOON + timedelta(days=14)]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)

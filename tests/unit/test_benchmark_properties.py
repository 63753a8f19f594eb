"""Properties of the benchmark and the TWR that must hold for any flows and prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from binfolio.domain import benchmark as bm
from binfolio.domain.benchmark import (
    AppliedEvent,
    BasketSpec,
    BenchmarkFlow,
    BenchmarkState,
    PlannedEvent,
)
from binfolio.domain.flows import FlowKind
from binfolio.domain.performance import FlowAt, ValuePoint, chain, intervals
from binfolio.domain.types import Asset

BTC, ETH = Asset("BTC"), Asset("ETH")
SPEC = BasketSpec({BTC: Decimal("0.5"), ETH: Decimal("0.5")}, "0 12 * * 1")
T0 = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # a Tuesday
HORIZON = timedelta(days=60)
# Rounding at 28 significant digits: equal up to this relative tolerance.
TOLERANCE = Decimal("1e-20")

FAST = settings(max_examples=100, deadline=None)

prices = st.decimals(min_value=Decimal(1), max_value=Decimal(100000), places=2)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50000), places=2)
minutes = st.integers(min_value=1, max_value=int(HORIZON / timedelta(minutes=1)))


@st.composite
def flow_lists(draw: st.DrawFn) -> list[BenchmarkFlow]:
    count = draw(st.integers(min_value=0, max_value=8))
    flows = []
    for ref in range(count):
        kind = draw(st.sampled_from([FlowKind.DEPOSIT, FlowKind.WITHDRAWAL]))
        time = T0 + timedelta(minutes=draw(minutes))
        flows.append(BenchmarkFlow(f"{ref:04d}", kind, time, draw(money)))
    return flows


def price_path(seed_prices: list[Decimal]) -> Callable[[datetime], dict[Asset, Decimal]]:
    """Deterministic prices by minute drawn from a small list (same minute → same prices)."""

    def at(moment: datetime) -> dict[Asset, Decimal]:
        minute = bm.kline_minute_ms(moment) // 60_000
        return {
            BTC: seed_prices[minute % len(seed_prices)],
            ETH: seed_prices[(minute // 7) % len(seed_prices)] / 20,
        }

    return at


def run(
    state: BenchmarkState,
    flows: list[BenchmarkFlow],
    until: datetime,
    at: Callable[[datetime], dict[Asset, Decimal]],
) -> tuple[BenchmarkState, list[AppliedEvent]]:
    plan = bm.plan(SPEC, state, flows, until)
    assert not plan.needs_rebuild
    applied = []
    for event in plan.events:
        state, done = bm.apply(SPEC, state, event, at(event.time))
        applied.append(done)
    return state, applied


def close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), Decimal(1))


@FAST
@given(
    flows=flow_lists(),
    seed_prices=st.lists(prices, min_size=1, max_size=5),
    cut_minutes=minutes,
    nav=money,
)
def test_rebuild_equals_incremental_update(
    flows: list[BenchmarkFlow], seed_prices: list[Decimal], cut_minutes: int, nav: Decimal
) -> None:
    at = price_path(seed_prices)
    start = bm.start(SPEC, T0, nav, at(T0))
    until = T0 + HORIZON
    rebuilt, rebuilt_events = run(bm.state_after(start), flows, until, at)

    # Incremental: a first run at the cut sees only the flows up to it; a later run the rest.
    cut = T0 + timedelta(minutes=cut_minutes)
    known = [f for f in flows if f.time <= cut]
    first, first_events = run(bm.state_after(start), known, cut, at)
    # The cached state is stored as text and read back, as the service does.
    stored = BenchmarkState(
        first.started_at, {a: Decimal(str(u)) for a, u in first.units.items()}, first.last_key
    )
    later, later_events = run(stored, [f for f in flows if f not in known], until, at)

    assert later.units == rebuilt.units
    assert later.last_key == rebuilt.last_key
    assert first_events + later_events == rebuilt_events


@FAST
@given(nav=money, value=money, price_btc=prices, price_eth=prices, offset=minutes)
def test_deposit_then_equal_withdrawal_at_unchanged_prices_leaves_units_unchanged(
    nav: Decimal, value: Decimal, price_btc: Decimal, price_eth: Decimal, offset: int
) -> None:
    fixed = {BTC: price_btc, ETH: price_eth}
    state = bm.state_after(bm.start(SPEC, T0, nav, fixed))
    time = T0 + timedelta(minutes=offset)
    deposit = BenchmarkFlow("1", FlowKind.DEPOSIT, time, value)
    withdrawal = BenchmarkFlow("2", FlowKind.WITHDRAWAL, time, value)

    after, _ = bm.apply(SPEC, state, PlannedEvent(deposit.event_kind, time, deposit), fixed)
    after, event = bm.apply(
        SPEC, after, PlannedEvent(withdrawal.event_kind, time, withdrawal), fixed
    )

    assert event.warning is None
    for asset in (BTC, ETH):
        assert close(after.units[asset], state.units[asset])


@FAST
@given(
    nav=money,
    flows=st.lists(st.tuples(st.booleans(), money), min_size=1, max_size=10),
    price_btc=prices,
    price_eth=prices,
)
def test_twr_does_not_move_when_only_flows_happen_at_unchanged_prices(
    nav: Decimal, flows: list[tuple[bool, Decimal]], price_btc: Decimal, price_eth: Decimal
) -> None:
    fixed = {BTC: price_btc, ETH: price_eth}
    state = bm.state_after(bm.start(SPEC, T0, nav, fixed))
    nav_points = [ValuePoint(T0, nav)]
    bench_points = [ValuePoint(T0, nav)]
    nav_flows: list[FlowAt] = []
    bench_flows: list[FlowAt] = []
    account = nav
    for hour, (is_deposit, value) in enumerate(flows, start=1):
        # A flow half-way through each hourly interval; the snapshot follows at the hour.
        time = T0 + timedelta(hours=hour) - timedelta(minutes=30)
        kind = FlowKind.DEPOSIT if is_deposit or value > account else FlowKind.WITHDRAWAL
        flow = BenchmarkFlow(f"{hour:04d}", kind, time, value)
        state, event = bm.apply(SPEC, state, PlannedEvent(flow.event_kind, time, flow), fixed)
        account += value if kind is FlowKind.DEPOSIT else -value
        snapshot = T0 + timedelta(hours=hour)
        nav_flows.append(FlowAt(time, value if kind is FlowKind.DEPOSIT else -value))
        bench_flows.append(FlowAt(time, event.net_flow_usdt))
        nav_points.append(ValuePoint(snapshot, account))
        bench_points.append(ValuePoint(snapshot, bm.basket_value(state.units, fixed)))

    assert chain(i.ret for i in intervals(nav_points, nav_flows)) == 0
    assert abs(chain(i.ret for i in intervals(bench_points, bench_flows))) < TOLERANCE


@FAST
@given(
    nav=money,
    start_prices=st.tuples(prices, prices),
    path=st.lists(st.tuples(prices, prices), min_size=1, max_size=12),
)
def test_without_flows_or_rebalance_benchmark_twr_is_the_basket_price_return(
    nav: Decimal, start_prices: tuple[Decimal, Decimal], path: list[tuple[Decimal, Decimal]]
) -> None:
    never = BasketSpec(SPEC.weights, "0 0 29 2 *")  # 29 February: not in this window
    first = {BTC: start_prices[0], ETH: start_prices[1]}
    state = bm.state_after(bm.start(never, T0, nav, first))
    assert bm.plan(never, state, [], T0 + timedelta(days=len(path))).events == []
    points = [ValuePoint(T0, nav)]
    for day, (btc, eth) in enumerate(path, start=1):
        points.append(
            ValuePoint(T0 + timedelta(days=day), bm.basket_value(state.units, {BTC: btc, ETH: eth}))
        )

    twr = chain(i.ret for i in intervals(points, []))

    last_btc, last_eth = path[-1]
    # Σ w_i × P_i(end) / P_i(t0) − 1
    basket_return = (
        Decimal("0.5") * last_btc / first[BTC] + Decimal("0.5") * last_eth / first[ETH] - 1
    )
    assert close(twr, basket_return)

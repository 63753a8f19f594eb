"""The money-matched benchmark: an event-sourced basket that gets the account's cash flows.

The benchmark answers "would I have done better just holding the basket?". It is derived, never
mutated in place: its state is a pure function of the start (first complete snapshot), the
ledger's valued flows and the basket prices at each event, so a rebuild gives the same units as
the incremental path (tested as a property).

Rules (docs/performance.md, "Benchmark"):

- start at ``t0``: ``units_i = NAV(t0) × w_i / P_i(t0)``; flows at or before ``t0`` are ignored
  (the starting NAV already contains them);
- deposit ``V`` at ``τ``: ``units_i += V × w_i / P_i(τ)``;
- withdrawal ``V`` at ``τ``: ``units_i *= 1 − V / B(τ)``, floored at zero with a warning;
- rebalance at each cron time ``R`` (UTC): ``units_i = B(R) × w_i / P_i(R)``;
- events in time order; at equal times flows before rebalances (:class:`EventKey`).

Every applied event returns an :class:`AppliedEvent` for the audit table: units before and after,
the prices used and the value that moved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from croniter import croniter

from binfolio.domain.clock import to_ms
from binfolio.domain.flows import FlowKind
from binfolio.domain.money import ONE, ZERO, fmt
from binfolio.domain.types import Asset, Symbol
from binfolio.errors import BinfolioError

USDT = Asset("USDT")

Units = Mapping[Asset, Decimal]
Prices = Mapping[Asset, Decimal]


class BenchmarkError(BinfolioError, ValueError):
    """The benchmark cannot apply an event as asked (bad basket, missing price, wrong order)."""


class EventKind(StrEnum):
    """What changed the benchmark's units."""

    START = "start"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    REBALANCE = "rebalance"


# Flows sort before rebalances at the same instant (docs/performance.md): a deposit at 12:00 is
# invested and then rebalanced with the rest, instead of landing on top of a fresh rebalance.
_RANK = {EventKind.START: 0, EventKind.DEPOSIT: 1, EventKind.WITHDRAWAL: 1, EventKind.REBALANCE: 2}


@dataclass(frozen=True, slots=True, order=True)
class EventKey:
    """Total order of benchmark events: time, then flows before rebalances, then flow ref."""

    time: datetime
    rank: int
    ref: str = ""


@dataclass(frozen=True, slots=True)
class BasketSpec:
    """Target weights (summing to 1) and the rebalance schedule (cron, UTC)."""

    weights: Mapping[Asset, Decimal]
    rebalance_cron: str

    def __post_init__(self) -> None:
        if not self.weights:
            raise BenchmarkError("the basket needs at least one asset")
        if any(w <= 0 for w in self.weights.values()):
            raise BenchmarkError(f"basket weights must be positive: {dict(self.weights)}")
        if sum(self.weights.values()) != ONE:
            raise BenchmarkError(f"basket weights must sum to 1: {dict(self.weights)}")
        if not croniter.is_valid(self.rebalance_cron):
            raise BenchmarkError(f"invalid rebalance cron {self.rebalance_cron!r}")

    @property
    def assets(self) -> list[Asset]:
        """The basket's assets, sorted (a stable order for audit rows and tests)."""
        return sorted(self.weights)

    def kline_symbols(self) -> dict[Asset, Symbol]:
        """The USDT pair whose 1-minute kline prices each asset (USDT itself needs none)."""
        return {a: Symbol(f"{a}USDT") for a in self.assets if a != USDT}

    def fingerprint(self) -> str:
        """A short hash of weights and schedule; a cached state built for another spec is stale."""
        canonical = json.dumps(
            {
                "weights": {a: fmt(w) for a, w in sorted(self.weights.items())},
                "cron": self.rebalance_cron,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class BenchmarkFlow:
    """A valued ledger flow as the benchmark sees it: a positive USDT value and a direction."""

    ref: str
    kind: FlowKind
    time: datetime
    value_usdt: Decimal

    @property
    def event_kind(self) -> EventKind:
        """The event this flow becomes."""
        return EventKind.DEPOSIT if self.kind is FlowKind.DEPOSIT else EventKind.WITHDRAWAL

    @property
    def key(self) -> EventKey:
        """Where this flow sorts among benchmark events."""
        return EventKey(self.time, _RANK[self.event_kind], self.ref)


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """An event waiting for its prices: a flow, or a scheduled rebalance."""

    kind: EventKind
    time: datetime
    flow: BenchmarkFlow | None = None

    @property
    def key(self) -> EventKey:
        """Where this event sorts."""
        return self.flow.key if self.flow else EventKey(self.time, _RANK[self.kind])


@dataclass(frozen=True, slots=True)
class AppliedEvent:
    """One audit row: what happened, at which prices, and the units before and after.

    ``value_usdt`` is the money the event moved: the starting NAV, the deposit, the part of a
    withdrawal the benchmark could pay (less than asked when floored), or ``B(R)`` rebalanced.
    """

    kind: EventKind
    time: datetime
    units_before: Units
    units_after: Units
    prices: Prices
    value_usdt: Decimal
    flow_ref: str | None = None
    warning: str | None = None

    @property
    def key(self) -> EventKey:
        """Where this event sorts."""
        return EventKey(self.time, _RANK[self.kind], self.flow_ref or "")

    @property
    def net_flow_usdt(self) -> Decimal:
        """Money into (+) or out of (−) the benchmark; zero for start and rebalance."""
        if self.kind is EventKind.DEPOSIT:
            return self.value_usdt
        if self.kind is EventKind.WITHDRAWAL:
            return -self.value_usdt
        return ZERO


@dataclass(frozen=True, slots=True)
class BenchmarkState:
    """The units after the last applied event; enough to continue incrementally."""

    started_at: datetime
    units: Units
    last_key: EventKey


@dataclass(frozen=True, slots=True)
class Plan:
    """Events to apply next, in order, or a demand to rebuild because history changed."""

    events: list[PlannedEvent] = field(default_factory=list)
    needs_rebuild: bool = False


def basket_value(units: Units, prices: Prices) -> Decimal:
    """``B = Σ units_i × P_i``.

    Raises:
        BenchmarkError: when a price of an asset holding units is missing.
    """
    total = ZERO
    for asset, amount in units.items():
        if asset not in prices:
            raise BenchmarkError(f"no price for benchmark asset {asset}")
        total += amount * prices[asset]
    return total


def kline_minute_ms(moment: datetime) -> int:
    """Start (ms) of the 1-minute kline containing ``moment``; for a whole minute, that minute."""
    epoch_ms = to_ms(moment)
    return epoch_ms - epoch_ms % 60_000


def start(spec: BasketSpec, t0: datetime, nav_usdt: Decimal, prices: Prices) -> AppliedEvent:
    """The start event: the NAV at ``t0`` split by weight at the snapshot's prices.

    Raises:
        BenchmarkError: for a missing or non-positive price, or a negative NAV.
    """
    if nav_usdt < 0:
        raise BenchmarkError(f"cannot start a benchmark from a negative NAV {nav_usdt}")
    used = _prices_for(spec, prices)
    after = _allocate(spec, nav_usdt, used)
    return AppliedEvent(EventKind.START, t0, {}, after, used, nav_usdt)


def state_after(start_event: AppliedEvent, events: Iterable[AppliedEvent] = ()) -> BenchmarkState:
    """The state reached by a start event and the events applied after it."""
    state = BenchmarkState(start_event.time, start_event.units_after, start_event.key)
    for event in events:
        state = BenchmarkState(state.started_at, event.units_after, event.key)
    return state


def rebalance_times(cron: str, after: datetime, until: datetime) -> list[datetime]:
    """Scheduled rebalance times ``R`` with ``after < R ≤ until`` (UTC)."""
    times: list[datetime] = []
    schedule = croniter(cron, after)
    while (moment := schedule.get_next(datetime)) <= until:
        times.append(moment)
    return times


def plan(
    spec: BasketSpec, state: BenchmarkState, new_flows: Iterable[BenchmarkFlow], until: datetime
) -> Plan:
    """The events to apply after ``state``, up to and including ``until``.

    ``new_flows`` are the ledger flows not applied yet. Flows at or before the start are ignored;
    flows after ``until`` wait. A new flow that sorts before the last applied event means history
    changed under the cache (a late deposit before a rebalance): the caller must rebuild.
    """
    flows = [f for f in new_flows if state.started_at < f.time <= until]
    if any(f.key < state.last_key for f in flows):
        return Plan(needs_rebuild=True)
    # croniter returns times strictly after its base; step back a minute so that a rebalance at
    # the very instant of the last applied flow (ranked after it) is still found.
    base = max(state.last_key.time - timedelta(minutes=1), state.started_at)
    events = [PlannedEvent(f.event_kind, f.time, f) for f in flows]
    events += [
        PlannedEvent(EventKind.REBALANCE, moment)
        for moment in rebalance_times(spec.rebalance_cron, base, until)
        if moment > state.started_at
        and EventKey(moment, _RANK[EventKind.REBALANCE]) > state.last_key
    ]
    return Plan(sorted(events, key=lambda e: e.key))


def apply(
    spec: BasketSpec, state: BenchmarkState, event: PlannedEvent, prices: Prices
) -> tuple[BenchmarkState, AppliedEvent]:
    """Apply one planned event at ``prices`` (kline closes at the event's minute).

    Raises:
        BenchmarkError: when the event sorts before the state's last event, or a price is missing.
    """
    if event.key <= state.last_key:
        raise BenchmarkError(f"event {event.key} does not follow the last applied {state.last_key}")
    used = _prices_for(spec, prices)
    before = dict(state.units)
    warning: str | None = None
    if event.kind is EventKind.REBALANCE:
        moved = basket_value(before, used)
        after = _allocate(spec, moved, used)
    elif event.flow is None:
        raise BenchmarkError(f"{event.kind} event without a flow")
    elif event.kind is EventKind.DEPOSIT:
        moved = event.flow.value_usdt
        bought = _allocate(spec, moved, used)
        after = {a: before.get(a, ZERO) + bought[a] for a in spec.assets}
    else:
        after, moved, warning = _withdraw(before, event.flow.value_usdt, used)
    applied = AppliedEvent(
        kind=event.kind,
        time=event.time,
        units_before=before,
        units_after=after,
        prices=used,
        value_usdt=moved,
        flow_ref=event.flow.ref if event.flow else None,
        warning=warning,
    )
    return BenchmarkState(state.started_at, after, applied.key), applied


def _withdraw(
    before: Units, asked_usdt: Decimal, prices: Prices
) -> tuple[dict[Asset, Decimal], Decimal, str | None]:
    value = basket_value(before, prices)
    if asked_usdt <= value and value > 0:
        keep = (value - asked_usdt) / value
        return {a: u * keep for a, u in before.items()}, asked_usdt, None
    # The account withdrew more than the benchmark holds (it outperformed, or the flow was valued
    # above the basket): the benchmark cannot go short, so it empties and says so.
    warning = (
        f"withdrawal of {fmt(asked_usdt)} USDT exceeds the benchmark value {fmt(value)} USDT; "
        "benchmark floored at zero units"
    )
    return dict.fromkeys(before, ZERO), value, warning if asked_usdt > value else None


def _allocate(spec: BasketSpec, value_usdt: Decimal, prices: Prices) -> dict[Asset, Decimal]:
    return {a: value_usdt * spec.weights[a] / prices[a] for a in spec.assets}


def _prices_for(spec: BasketSpec, prices: Prices) -> dict[Asset, Decimal]:
    used: dict[Asset, Decimal] = {}
    for asset in spec.assets:
        price = ONE if asset == USDT else prices.get(asset)
        if price is None or price <= 0:
            raise BenchmarkError(f"no usable price for benchmark asset {asset}: {price}")
        used[asset] = price
    return used

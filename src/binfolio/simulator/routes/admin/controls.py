"""Admin routes about the world around the accounts.

Prices and scenario, the clock, injected faults, weight limits, the request log, and reset.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from binfolio.domain.money import fmt
from binfolio.simulator.config import Limits
from binfolio.simulator.faults import FaultRule
from binfolio.simulator.routes.admin.base import AdminRoute, Sim
from binfolio.simulator.routes.admin.schemas import (
    Amount,
    ClockIn,
    FaultsIn,
    LimitsUpdateIn,
    ResetIn,
    ScenarioIn,
)
from binfolio.simulator.state import SimState

router = APIRouter(route_class=AdminRoute)


# -- market and clock ----------------------------------------------------------------------------


@router.post("/prices")
async def set_prices(body: dict[str, Amount], state: Sim) -> dict[str, str]:
    """Set current prices; the seeded path continues from them."""
    with state.lock:
        now_ms = state.clock.now_ms()
        return {
            symbol: fmt(state.market.set_price(symbol, price, now_ms))
            for symbol, price in body.items()
        }


@router.get("/prices")
async def get_prices(state: Sim) -> dict[str, str]:
    """Every symbol's current price."""
    with state.lock:
        return {s: fmt(p) for s, p in state.market.prices(state.clock.now_ms()).items()}


@router.post("/scenario")
async def set_scenario(state: Sim, body: ScenarioIn | None = None) -> dict[str, Any]:
    """Switch the scenario (and seed) from now on."""
    body = body or ScenarioIn()
    with state.lock:
        scenario = body.scenario or state.market.scenario
        seed = state.market.seed if body.seed is None else body.seed
        state.market.set_scenario(scenario, seed, state.clock.now_ms())
    return {"scenario": scenario, "seed": seed}


def _clock_view(state: SimState) -> dict[str, Any]:
    clock = state.clock
    return {
        "now_ms": clock.now_ms(),
        "start_ms": clock.start_ms,
        "speed": clock.speed,
        "server_ms": clock.server_ms(),
        "skew_ms": clock.skew_ms,
    }


@router.get("/clock")
async def get_clock(state: Sim) -> dict[str, Any]:
    """Market time, start, speed, server time and skew."""
    with state.lock:
        return _clock_view(state)


@router.post("/clock")
async def set_clock(state: Sim, body: ClockIn | None = None) -> dict[str, Any]:
    """Set or advance market time, change its speed or the server clock's skew."""
    body = body or ClockIn()
    with state.lock:
        clock = state.clock
        if body.set_ms is not None:
            clock.set_ms(body.set_ms)
        if body.advance_ms is not None:
            clock.advance(body.advance_ms)
        if body.speed is not None:
            clock.set_speed(body.speed)
        if body.skew_ms is not None:
            clock.skew_ms = body.skew_ms
        for account in state.accounts.values():
            state.settle(account)
        return _clock_view(state)


# -- faults, limits, log, reset ------------------------------------------------------------------


@router.get("/faults")
async def get_faults(state: Sim) -> dict[str, Any]:
    """The active fault rules."""
    return {"faults": state.faults.rules()}


@router.post("/faults")
async def add_faults(state: Sim, body: FaultsIn | None = None) -> dict[str, Any]:
    """Add one rule (or ``rules``); ``replace`` removes the others first."""
    body = body or FaultsIn()
    rules = [FaultRule(**rule.model_dump()) for rule in body.rule_list()]  # may refuse values
    with state.lock:
        if body.replace:
            state.faults.clear()
        for rule in rules:
            state.faults.add(rule)
    return {"faults": state.faults.rules()}


@router.delete("/faults")
async def clear_faults(state: Sim) -> dict[str, Any]:
    """Remove every fault rule."""
    state.faults.clear()
    return {"faults": []}


@router.get("/requests")
async def get_requests(
    state: Sim,
    account: str | None = None,
    path: str | None = None,
    method: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The request log (oldest first), filtered; ``limit`` keeps the last N."""
    with state.lock:
        rows = list(state.requests)
    for key, wanted in (("account", account), ("path", path), ("method", method)):
        if wanted is not None:
            rows = [r for r in rows if r[key] == wanted]
    if limit is not None:
        rows = rows[-limit:]
    return {"requests": rows, "total_weight": sum(r["weight"] for r in rows)}


@router.delete("/requests")
async def clear_requests(state: Sim) -> dict[str, Any]:
    """Empty the request log."""
    with state.lock:
        state.requests.clear()
    return {"requests": []}


@router.get("/limits")
async def get_limits(state: Sim) -> dict[str, Any]:
    """The weight budgets in force."""
    return asdict(state.meter.limits)


@router.post("/limits")
async def set_limits(state: Sim, body: LimitsUpdateIn | None = None) -> dict[str, Any]:
    """Change weight budgets; the counters restart unless ``reset_counters`` is false."""
    body = body or LimitsUpdateIn()
    with state.lock:
        for key, value in body.given().items():
            setattr(state.meter.limits, key, value)
        if body.reset_counters:
            state.meter.reset()
        return asdict(state.meter.limits)


@router.post("/reset")
async def reset(state: Sim, body: ResetIn | None = None) -> dict[str, Any]:
    """Back to a fresh simulator: no accounts, faults, counters or log."""
    body = body or ResetIn()
    state.reset(
        scenario=body.scenario,
        seed=body.seed,
        speed=body.speed,
        start_ms=body.start_ms,
        limits=None if body.limits is None else Limits(**body.limits.given()),
    )
    with state.lock:
        return _clock_view(state) | {"scenario": state.market.scenario, "seed": state.market.seed}

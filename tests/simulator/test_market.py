"""Seeded price paths: determinism, scenario shapes, klines cut from the ticker's path."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from binfolio.simulator.market import Market
from tests.simulator.helpers import START_MS, Sim

DAY_MS = 86_400_000
MINUTE_MS = 60_000


def btc(market: Market, days: float) -> Decimal:
    return market.price("BTCUSDT", START_MS + int(days * DAY_MS))


def test_the_same_seed_gives_the_same_prices_and_another_seed_does_not() -> None:
    times = [START_MS + k * 7_777_777 for k in range(-50, 50)]

    first, again, other = (
        Market(7, "bull", START_MS),
        Market(7, "bull", START_MS),
        Market(8, "bull", START_MS),
    )

    assert [first.price("ETHBTC", t) for t in times] == [again.price("ETHBTC", t) for t in times]
    assert [first.price("ETHBTC", t) for t in times] != [other.price("ETHBTC", t) for t in times]


def test_prices_do_not_depend_on_the_order_they_are_asked_in() -> None:
    forward, backward = Market(3, "steady", START_MS), Market(3, "steady", START_MS)
    times = [START_MS + k * DAY_MS // 3 for k in range(-30, 30)]

    assert [forward.price("SOLUSDT", t) for t in times] == [
        backward.price("SOLUSDT", t) for t in reversed(times)
    ][::-1]


def test_every_path_starts_at_its_start_price() -> None:
    aligned = START_MS // MINUTE_MS * MINUTE_MS
    for scenario in ("steady", "bull", "bear", "crash", "sideways"):
        market = Market(1, scenario, aligned)
        assert market.price("BTCUSDT", aligned) == Decimal("65000.00")
        assert market.price("USDTTRY", aligned) == Decimal("34.20")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scenarios_have_their_shape(seed: int) -> None:
    bull, bear = Market(seed, "bull", START_MS), Market(seed, "bear", START_MS)
    crash, sideways = Market(seed, "crash", START_MS), Market(seed, "sideways", START_MS)

    assert btc(bull, 60) > btc(bull, 0) * Decimal("1.3")
    assert btc(bear, 60) < btc(bear, 0) * Decimal("0.8")
    assert btc(crash, 0.05) < btc(crash, 0) * Decimal("0.7")  # within ~1 hour of the start
    assert btc(crash, -1) > btc(crash, 0) * Decimal("0.9")
    for days in (-30, 10, 60):
        assert Decimal("0.85") < btc(sideways, days) / btc(sideways, 0) < Decimal("1.15")


def test_stablecoins_stay_at_their_peg_and_the_lira_weakens() -> None:
    market = Market(1, "crash", START_MS)

    for days in (-20, 0.04, 5, 40):
        assert abs(market.price("USDCUSDT", START_MS + int(days * DAY_MS)) - 1) < Decimal("0.005")
    assert market.price("USDTTRY", START_MS + 200 * DAY_MS) > market.price("USDTTRY", START_MS)


def test_a_set_price_holds_at_once_and_the_path_continues_from_it() -> None:
    market = Market(1, "steady", START_MS)
    before = market.price("BTCUSDT", START_MS - 1)

    market.set_price("BTCUSDT", Decimal("100000.00"), START_MS)

    assert market.price("BTCUSDT", START_MS - 1) == before
    assert market.price("BTCUSDT", START_MS) == Decimal("100000.00")
    later = market.price("BTCUSDT", START_MS + 10 * MINUTE_MS)
    assert Decimal("98000") < later < Decimal("102000")
    assert market.price("ETHBTC", START_MS) < Decimal("0.04")  # ETH did not move, BTC did


def test_setting_a_cross_or_inverse_pair_moves_its_non_usdt_side() -> None:
    market = Market(1, "steady", START_MS)

    market.set_price("ARDRBTC", Decimal("0.00000200"), START_MS)
    market.set_price("USDTTRY", Decimal("40.00"), START_MS)

    assert market.price("ARDRBTC", START_MS) == Decimal("0.00000200")
    assert market.price("USDTTRY", START_MS) == Decimal("40.00")
    assert abs(market.usd("TRY", START_MS) - 1 / 40) < 1e-9


def test_switching_scenario_keeps_history_and_continues_from_the_current_price() -> None:
    market = Market(1, "steady", START_MS)
    history = market.price("BTCUSDT", START_MS - DAY_MS)
    switch_ms = START_MS // MINUTE_MS * MINUTE_MS + MINUTE_MS
    now_price = market.price("BTCUSDT", switch_ms)

    market.set_scenario("crash", 1, switch_ms)

    assert market.price("BTCUSDT", START_MS - DAY_MS) == history
    assert market.price("BTCUSDT", switch_ms) == now_price
    assert market.price("BTCUSDT", switch_ms + 2 * 3_600_000) < now_price * Decimal("0.75")


@pytest.mark.parametrize("interval", ["1m", "15m", "1h", "1d"])
async def test_a_closed_kline_closes_at_the_ticker_price_of_its_close_time(
    sim: Sim, interval: str
) -> None:
    klines = (
        await sim.public("/api/v3/klines", symbol="ETHBTC", interval=interval, limit=4)
    ).json()

    for kline in klines[:-1]:
        await sim.admin("POST", "/clock", {"set_ms": kline[6]})
        ticker = (await sim.public("/api/v3/ticker/price", symbol="ETHBTC")).json()
        assert kline[4] == ticker["price"], interval
    for earlier, later in pairwise(klines):
        assert later[0] == earlier[6] + 1


async def test_klines_follow_a_set_price(sim: Sim) -> None:
    await sim.admin("POST", "/prices", {"BTCUSDT": "70000.00"})
    await sim.admin("POST", "/clock", {"advance_ms": 5 * MINUTE_MS})

    klines = (await sim.public("/api/v3/klines", symbol="BTCUSDT", interval="1m", limit=7)).json()

    jump = next(k for k in klines if k[0] <= START_MS <= k[6])
    assert Decimal(jump[2]) >= Decimal("70000")  # the minute of the jump reaches the set price
    after = [k for k in klines if k[0] >= jump[0]]
    assert len(after) == 6
    assert all(Decimal("68000") < Decimal(k[4]) < Decimal("72000") for k in after)


async def test_klines_by_start_and_end_time(sim: Sim) -> None:
    start = START_MS - 90 * DAY_MS
    by_start = (
        await sim.public(
            "/api/v3/klines", symbol="BTCUSDT", interval="1h", startTime=start, limit=3
        )
    ).json()
    by_end = (
        await sim.public("/api/v3/klines", symbol="BTCUSDT", interval="1m", endTime=start, limit=2)
    ).json()
    bad = await sim.public("/api/v3/klines", symbol="BTCUSDT", interval="7m")

    assert [k[0] for k in by_start] == [
        start // 3_600_000 * 3_600_000 + h * 3_600_000 for h in (1, 2, 3)
    ]
    assert by_end[-1][0] <= start <= by_end[-1][6]
    assert (bad.status_code, bad.json()["code"]) == (400, -1120)


async def test_accelerated_clock_moves_prices_faster_than_real_time() -> None:
    from binfolio.simulator.clock import SimClock

    now = [1000.0]
    clock = SimClock(START_MS, speed=60, wall_seconds=lambda: now[0])
    now[0] += 2.0

    assert clock.now_ms() == START_MS + 120_000
    clock.set_speed(0)
    now[0] += 5.0
    assert clock.now_ms() == START_MS + 120_000

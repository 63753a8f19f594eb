"""Alert and circuit states, and the figures the rules read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from binfolio.adapters.storage.alert_repo import AlertRepo
from binfolio.adapters.storage.database import make_session_factory, transaction
from binfolio.adapters.storage.models import CashFlowRow
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.alerts import AlertKind, Change, Condition
from binfolio.domain.benchmark import BasketSpec
from binfolio.domain.circuit import CircuitPolicy, CircuitState, Transition
from binfolio.domain.types import Asset
from binfolio.services.alerts.ports import FactsWanted
from binfolio.services.benchmark.update import update_benchmark
from tests.services.ledger_support import add_account, add_snapshot, minute_end

D = Decimal
HOUR = timedelta(hours=1)
# A Tuesday to a Wednesday: no Monday-noon rebalance of the benchmark in between.
T1 = minute_end(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
T2 = T1 + HOUR
T3 = T2 + HOUR
NOW = T3 + timedelta(minutes=5)
SPEC = BasketSpec({Asset("BTC"): D("0.5"), Asset("ETH"): D("0.5")}, "0 12 * * 1")


@pytest.fixture
def repo(engine: Engine) -> AlertRepo:
    return AlertRepo(make_session_factory(engine))


def test_a_stored_condition_alerts_once_even_from_another_process(engine: Engine) -> None:
    first, second = AlertRepo(make_session_factory(engine)), AlertRepo(make_session_factory(engine))
    holds = Condition("main", AlertKind.UNPRICED, True, "FOO")
    clears = Condition("main", AlertKind.UNPRICED, False, "every asset priced")

    changes = [
        first.advance([holds], T1)[0].change,
        second.advance([holds], T2)[0].change,
        first.advance([clears], T3)[0].change,
        second.advance([holds], NOW)[0].change,
    ]

    assert changes == [Change.RAISED, Change.NONE, Change.CLEARED, Change.RAISED]
    state = first.states(["main"])[("main", AlertKind.UNPRICED)]
    assert (state.active, state.since, state.last_sent_at, state.detail) == (True, NOW, NOW, "FOO")


def test_observed_values_are_kept_for_the_next_check(repo: AlertRepo) -> None:
    flags = {"enableReading": True, "checked_at": T1.isoformat()}
    repo.advance([Condition("main", AlertKind.KEY_PERMISSIONS, False, "ok", flags)], T1)
    assert repo.states(["main"])[("main", AlertKind.KEY_PERMISSIONS)].observed == flags


def test_the_circuit_opens_after_five_failures_and_closes_after_a_success(
    engine: Engine, repo: AlertRepo
) -> None:
    factory = make_session_factory(engine)
    add_account(factory, "main")
    add_account(factory, "side")
    policy = CircuitPolicy(failures_to_open=5, slot=HOUR)

    transitions = [
        repo.record({"main": True, "side": False}, T1 + i * HOUR, policy)["main"][1]
        for i in range(5)
    ]
    paused = repo.circuits(["main", "side", "unknown"])
    closed = repo.record({"main": False}, T1 + 6 * HOUR, policy)

    assert transitions == [None, None, None, None, Transition.OPENED]
    assert paused["main"].state is CircuitState.OPEN
    assert paused["main"].next_probe_at == T1 + 5 * HOUR
    assert paused["side"].state is CircuitState.CLOSED
    assert paused["unknown"].state is CircuitState.CLOSED
    assert closed["main"][1] is Transition.CLOSED
    assert repo.circuits(["main"])["main"].consecutive_failures == 0


def deposit(engine: Engine, account_id: int, at: datetime, value: str | None) -> None:
    with transaction(make_session_factory(engine)) as session:
        session.add(
            CashFlowRow(
                account_id=account_id,
                kind="deposit",
                binance_id=f"d{at.timestamp()}",
                coin="USDT",
                amount=D(value or "1"),
                fee=D(0),
                time=at,
                status=1,
                value_usdt=None if value is None else D(value),
                price_usdt=D(1),
                price_source="usdt" if value is not None else "pending",
                raw={},
                recorded_at=at,
            )
        )


def test_the_nav_move_is_net_of_deposits_and_only_for_this_runs_snapshot(
    engine: Engine, repo: AlertRepo
) -> None:
    factory = make_session_factory(engine)
    main = add_account(factory, "main")
    prices = {"BTC": "50000", "ETH": "2500"}
    first = add_snapshot(factory, main, T1, "10000", prices)
    second = add_snapshot(factory, main, T2, "13000", prices)
    deposit(engine, main, T1 + timedelta(minutes=30), "2000")
    wanted = FactsWanted()

    latest = repo.facts(["main"], {"main": second}, NOW, wanted)["main"].nav_move
    older = repo.facts(["main"], {"main": first}, NOW, wanted)["main"].nav_move

    assert latest is not None
    assert (latest.from_nav_usdt, latest.to_nav_usdt, latest.net_flows_usdt) == (
        D(10000),
        D(13000),
        D(2000),
    )
    assert latest.change_pct is not None
    assert D("0.09") < latest.change_pct < D("0.1")
    assert older is None


def test_drawdown_returns_are_unknown_while_a_flow_has_no_value(
    engine: Engine, repo: AlertRepo
) -> None:
    factory = make_session_factory(engine)
    main = add_account(factory, "main")
    prices = {"BTC": "50000", "ETH": "2500"}
    for at, nav in ((T1, "10000"), (T2, "12000"), (T3, "9000")):
        add_snapshot(factory, main, at, nav, prices)
    wanted = FactsWanted(nav_move=False, drawdown_since=T1 - HOUR)

    returns = repo.facts(["main"], {}, NOW, wanted)["main"].drawdown_returns
    deposit(engine, main, T3 - timedelta(minutes=1), None)
    pending = repo.facts(["main"], {}, NOW, wanted)["main"].drawdown_returns

    assert returns == [D("0.2"), D("-0.25")]
    assert pending is None


async def test_trail_reads_the_twr_of_the_account_and_of_its_benchmark(
    engine: Engine, repo: AlertRepo
) -> None:
    factory = make_session_factory(engine)
    main = add_account(factory, "main")
    add_snapshot(factory, main, T1, "10000", {"BTC": "50000", "ETH": "2500"})
    add_snapshot(factory, main, T2, "10000", {"BTC": "60000", "ETH": "3000"})
    await update_benchmark(SqlStorage(factory), account_id=main, spec=SPEC, klines=None, now=NOW)

    facts = repo.facts(
        ["main"], {}, NOW, FactsWanted(nav_move=False, trail_since=NOW - 7 * 24 * HOUR)
    )

    assert (facts["main"].twr, facts["main"].benchmark_twr) == (D(0), D("0.2"))
    assert facts["main"].last_complete_at == T2

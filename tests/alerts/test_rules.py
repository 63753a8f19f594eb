"""The alert rules and the "alert once, again only after clearing" state machine (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from binfolio.domain import alerts
from binfolio.domain.alerts import AlertKind, AlertState, Change, Condition, NavMove, advance

D = Decimal
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def walk(states: list[bool]) -> list[Change]:
    """The changes a run of holds/clears makes, starting from no state."""
    state: AlertState | None = None
    changes = []
    for i, holds in enumerate(states):
        step = advance(state, Condition("main", AlertKind.DRAWDOWN, holds, f"#{i}"), T0 + i * HOUR)
        state = step.state
        changes.append(step.change)
    return changes


def test_a_condition_alerts_once_while_it_holds_and_again_after_clearing() -> None:
    assert walk([True, True, True, False, False, True]) == [
        Change.RAISED,
        Change.NONE,
        Change.NONE,
        Change.CLEARED,
        Change.NONE,
        Change.RAISED,
    ]


def test_a_condition_that_never_held_never_changes() -> None:
    assert walk([False, False]) == [Change.NONE, Change.NONE]


def test_raising_records_when_and_the_detail_follows_the_latest_check() -> None:
    raised = advance(None, Condition("main", AlertKind.STALE, True, "2.5 h"), T0).state
    kept = advance(raised, Condition("main", AlertKind.STALE, True, "3.5 h"), T0 + HOUR).state

    assert (raised.active, raised.since, raised.last_sent_at) == (True, T0, T0)
    assert (kept.since, kept.last_sent_at, kept.detail) == (T0, T0, "3.5 h")


def move(change_pct: str | None, pending: int = 0) -> NavMove:
    pct = None if change_pct is None else D(change_pct)
    return NavMove(D(10000), D(8500), D(0), pct, pending)


def test_nav_change_beyond_the_limit_either_way_holds() -> None:
    limit = D(10)
    assert alerts.nav_change("main", move("-0.15"), limit).holds  # type: ignore[union-attr]
    assert alerts.nav_change("main", move("0.101"), limit).holds  # type: ignore[union-attr]
    assert not alerts.nav_change("main", move("0.1"), limit).holds  # type: ignore[union-attr]


def test_nav_change_is_unknown_while_a_flow_of_the_interval_has_no_value() -> None:
    assert alerts.nav_change("main", move("-0.5", pending=1), D(10)) is None
    assert alerts.nav_change("main", move(None), D(10)) is None
    assert alerts.nav_change("main", None, D(10)) is None


def test_current_drawdown_is_measured_from_the_peak_to_the_end() -> None:
    # index 1 → 1.2 → 0.9 → 1.08: 10 % below the peak of 1.2 at the end
    returns = [D("0.2"), D("-0.25"), D("0.2")]
    assert alerts.current_drawdown(returns) == D("0.1")
    assert alerts.current_drawdown([D("0.1"), D("0.1")]) == 0


def test_drawdown_holds_beyond_the_limit_and_clears_after_recovery() -> None:
    deep = alerts.drawdown("main", [D("0.2"), D("-0.25")], D(20))  # 25 % below 1.2
    recovered = alerts.drawdown("main", [D("0.2"), D("-0.25"), D("0.2")], D(20))
    assert deep is not None
    assert deep.holds
    assert recovered is not None
    assert not recovered.holds
    assert alerts.drawdown("main", [], D(20)) is None


def test_trailing_the_benchmark_compares_percentage_points() -> None:
    trailing = alerts.trailing_benchmark("main", D("0.02"), D("0.15"), D(10), 7)
    close = alerts.trailing_benchmark("main", D("0.06"), D("0.15"), D(10), 7)
    assert trailing is not None
    assert trailing.holds
    assert close is not None
    assert not close.holds
    assert alerts.trailing_benchmark("main", None, D("0.1"), D(10), 7) is None


def test_stale_counts_from_the_last_complete_snapshot_or_from_when_the_account_appeared() -> None:
    limit = 2 * HOUR
    assert alerts.stale("main", T0, T0 - HOUR, T0 + 3 * HOUR, limit).holds
    assert not alerts.stale("main", T0, T0 - HOUR, T0 + 2 * HOUR, limit).holds
    assert not alerts.stale("new", None, T0, T0 + HOUR, limit).holds
    assert alerts.stale("new", None, T0, T0 + 3 * HOUR, limit).holds


def test_unpriced_holds_while_assets_lack_a_price() -> None:
    assert alerts.unpriced("main", ["FOO", "BAR"]).detail == "BAR, FOO"
    assert not alerts.unpriced("main", []).holds


def test_withdrawals_enabled_holds_at_every_check() -> None:
    flags = {"enableReading": True, "enableWithdrawals": True, "createTime": 1}
    first = alerts.key_permissions("main", flags, None)
    again = alerts.key_permissions("main", flags, first.observed)
    assert first.holds
    assert again.holds
    assert "withdrawals are enabled" in again.detail
    assert first.observed == {"enableReading": True, "enableWithdrawals": True}


def test_a_permission_change_holds_once_then_clears() -> None:
    before = {"enableReading": True, "enableFutures": False, "checked_at": "2026-11-30T08:00:00"}
    after = {"enableReading": True, "enableFutures": True, "createTime": 5}

    changed = alerts.key_permissions("main", after, before)
    steady = alerts.key_permissions("main", after, changed.observed)

    assert changed.holds
    assert changed.detail == "enableFutures on (was off)"
    assert not steady.holds


def test_the_first_check_of_a_read_only_key_does_not_hold() -> None:
    assert not alerts.key_permissions("main", {"enableReading": True}, None).holds

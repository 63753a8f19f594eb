"""The risk rules, each alone and as a pipeline: pure functions of (signal, state, now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from binfolio.domain.trading.risk import (
    Cooldown,
    KillSwitch,
    MaxOpenTrades,
    MaxSignalAge,
    MaxTradeSize,
    MaxTradesPerDay,
    MinConfidence,
    MinFreeUsdt,
    RiskLimits,
    SymbolAllowlist,
    TraderState,
    default_rules,
    evaluate,
    ingest_rules,
)
from binfolio.domain.trading.signal import OrderType, Side, Signal

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EMPTY = TraderState()


def signal(side: Side = Side.BUY, amount: str = "10", **fields: object) -> Signal:
    return Signal("BTCUSDT", side, OrderType.MARKET, D(amount), **fields)  # type: ignore[arg-type]


def test_kill_switch_stops_everything_while_paused() -> None:
    assert not KillSwitch()(signal(), TraderState(paused=True), NOW).ok
    assert KillSwitch()(signal(), EMPTY, NOW).ok


def test_min_confidence_needs_a_confidence_at_or_above_it() -> None:
    rule = MinConfidence(D(50))
    assert rule(signal(confidence=D(50)), EMPTY, NOW).ok
    below = rule(signal(confidence=D("49.9")), EMPTY, NOW)
    assert not below.ok
    assert "49.9 is below risk.min_confidence 50" in below.reason
    assert not rule(signal(), EMPTY, NOW).ok  # none sent
    assert MinConfidence(D(0))(signal(), EMPTY, NOW).ok


def test_symbol_allowlist() -> None:
    rule = SymbolAllowlist(frozenset({"ETHUSDT"}))
    assert "not in risk.symbols (ETHUSDT)" in rule(signal(), EMPTY, NOW).reason
    assert SymbolAllowlist()(signal(), EMPTY, NOW).ok


def test_max_trade_size_in_usdt_and_percent_of_equity() -> None:
    assert not MaxTradeSize(D(10))(signal(amount="10.01"), EMPTY, NOW).ok
    assert MaxTradeSize(D(10))(signal(amount="10"), EMPTY, NOW).ok
    pct = MaxTradeSize(D(100), D(5))
    assert pct(signal(amount="5"), TraderState(equity_usdt=D(100)), NOW).ok
    over = pct(signal(amount="6"), TraderState(equity_usdt=D(100)), NOW)
    assert not over.ok
    assert "5% of the equity 100 USDT" in over.reason
    assert not pct(signal(amount="1"), EMPTY, NOW).ok  # equity unknown: refuse
    assert MaxTradeSize(D(1))(signal(Side.SELL, amount="50"), EMPTY, NOW).ok  # sells sell all


def test_min_free_usdt_counts_only_buys() -> None:
    rule = MinFreeUsdt(D(10))
    assert not rule(signal(), TraderState(free_usdt=D("9.99")), NOW).ok
    cannot_pay = rule(signal(amount="20"), TraderState(free_usdt=D(15)), NOW)
    assert not cannot_pay.ok
    assert "cannot pay 20" in cannot_pay.reason
    assert rule(signal(Side.SELL), TraderState(free_usdt=D(0)), NOW).ok


def test_max_open_trades_limits_buys_only() -> None:
    rule = MaxOpenTrades(3)
    assert rule(signal(), TraderState(open_trades=2), NOW).ok
    assert not rule(signal(), TraderState(open_trades=3), NOW).ok
    assert rule(signal(Side.SELL), TraderState(open_trades=3), NOW).ok


def test_max_trades_per_day() -> None:
    rule = MaxTradesPerDay(5)
    assert rule(signal(), TraderState(trades_today=4), NOW).ok
    refused = rule(signal(), TraderState(trades_today=5), NOW)
    assert not refused.ok
    assert "risk.max_trades_per_day is 5" in refused.reason


def test_cooldown_per_symbol_and_side() -> None:
    rule = Cooldown(timedelta(minutes=15))
    recent = TraderState(last_trade_at=NOW - timedelta(minutes=14, seconds=59))
    refused = rule(signal(), recent, NOW)
    assert not refused.ok
    assert "next in 2 s" in refused.reason
    assert rule(signal(), TraderState(last_trade_at=NOW - timedelta(minutes=15)), NOW).ok


def test_stale_signal_is_rejected() -> None:
    rule = MaxSignalAge(timedelta(seconds=30))
    assert rule(signal(sent_at=NOW - timedelta(seconds=30)), EMPTY, NOW).ok
    assert not rule(signal(sent_at=NOW - timedelta(seconds=31)), EMPTY, NOW).ok
    assert rule(signal(), EMPTY, NOW).ok  # no sent_at: nothing to judge


def test_pipeline_stops_at_the_first_no_and_ingest_runs_the_stateless_rules() -> None:
    rules = default_rules(RiskLimits(max_trades_per_day=1, min_confidence=D(50)))
    state = TraderState(trades_today=1, free_usdt=D(1000))
    low = evaluate(rules, signal(confidence=D(10)), state, NOW)
    assert "confidence" in low.reason  # confidence comes before the daily limit
    assert "max_trades_per_day" in evaluate(rules, signal(confidence=D(90)), state, NOW).reason
    assert evaluate(rules, signal(confidence=D(90)), TraderState(free_usdt=D(1000)), NOW).ok
    names = {type(rule).__name__ for rule in ingest_rules(rules)}
    assert names == {"KillSwitch", "SymbolAllowlist", "MinConfidence"}

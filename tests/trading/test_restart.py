"""Counters are derived from stored rows: a restart keeps today's count and the cooldowns, and
midnight UTC starts a new day without any timer (the trader's clock is injected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.trade_repo import TradeRepository
from binfolio.domain.trading.records import NewSignal
from binfolio.domain.trading.risk import ACCEPT
from binfolio.domain.trading.signal import OrderType, Side, Signal
from binfolio.simulator.testing import SimulatorHandle
from tests.trading.conftest import StartWebhook
from tests.trading.support import FakeClock, alert, post

LIMITS = {"risk__max_trades_per_day": 3, "risk__cooldown_minutes": 15}


def _reasons(served: object, clock: FakeClock) -> dict[str, str]:
    overview = served.built.trader.store.overview(clock(), recent=50)  # type: ignore[attr-defined]
    return {s["symbol"] + "#" + s["signal_id"]: s["reason"] for s in overview.recent_signals}


def test_restart_keeps_count_and_cooldown_and_midnight_resets(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 23, 40, tzinfo=UTC))
    first = start_webhook(db_url, mode="paper", build={"clock": clock}, **LIMITS)
    assert post(first.url, alert("BTCUSDT", id="a")).json()["status"] == "accepted"
    assert post(first.url, alert("ETHUSDT", id="b")).json()["status"] == "accepted"
    first.drain()
    first.stop()  # the process ends; nothing about today is kept in memory

    second = start_webhook(db_url, mode="paper", build={"clock": clock}, **LIMITS)
    clock.advance(minutes=5)
    post(second.url, alert("BTCUSDT", id="c"))  # same symbol and side, 5 minutes later
    post(second.url, alert("BNBUSDT", id="d"))  # the third trade of the day
    post(second.url, alert("SOLUSDT", id="e"))  # the fourth: over the daily limit
    second.drain()
    reasons = _reasons(second, clock)
    assert reasons["BTCUSDT#3"].startswith("cooldown: BTCUSDT BUY traded at 2026-11-30T23:40:00")
    assert reasons["BNBUSDT#4"] == "order filled"
    assert reasons["SOLUSDT#5"] == "3 trades today (UTC): risk.max_trades_per_day is 3"

    clock.set(datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC))  # a new UTC day
    post(second.url, alert("SOLUSDT", id="f"))
    second.drain()
    assert _reasons(second, clock)["SOLUSDT#6"] == "order filled"
    status = second.run(second.built.trader.status())
    assert status["trades_today"] == 1
    assert status["open_trades"] == 4  # four buys, none sold


def test_paper_account_buys_and_sells_at_public_prices(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url, mode="paper", trading__paper_balance_usdt="1000")
    post(webhook.url, alert("BTCUSDT", id="buy", amount_usdt="20"))
    webhook.drain()
    post(webhook.url, alert("BTCUSDT", side="SELL", id="sell"))
    webhook.drain()
    balances = webhook.run(webhook.built.trader.exchange.balances()).free
    # Bought floor(20 / 60000, 0.00001) = 0.00033 BTC for 19.8 USDT (fee 0.00000033 BTC), sold
    # floor(0.00032967, 0.00001) = 0.00032 BTC for 19.2 USDT less 0.0192 fee.
    assert balances["USDT"] == Decimal("1000") - Decimal("19.8") + Decimal("19.2") - Decimal(
        "0.0192"
    )
    assert balances["BTC"] == Decimal("0.00000967")
    assert simulator.requests_log(path="/api/v3/order") == []  # paper never sends orders
    status = webhook.run(webhook.built.trader.status())
    assert status["open_trades"] == 0
    assert status["probe"]["account"]["source"] == "paper balances in the database"


def test_signals_left_undecided_are_decided_at_start_unless_too_old(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    engine = make_engine(db_url)
    repo = TradeRepository(make_session_factory(engine), "paper")
    repo.ensure_mode(clock())
    # A process stored these and stopped before deciding them.
    for alert_id, age in (("fresh", timedelta(seconds=20)), ("old", timedelta(minutes=10))):
        signal = Signal("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(20), alert_id=alert_id)
        at = clock() - age
        new = NewSignal(signal, f"id:{alert_id}", alert_id, at, {})
        repo.store_signal(new, window_start=at, screen=lambda paused: ACCEPT)
    engine.dispose()
    webhook = start_webhook(db_url, mode="paper", build={"clock": clock})
    webhook.drain()
    reasons = _reasons(webhook, clock)
    assert reasons["BTCUSDT#1"] == "order filled"
    assert reasons["BTCUSDT#2"].startswith("not decided within 300 s of arrival (waited 600 s)")

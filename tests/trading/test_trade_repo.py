"""The trader's storage on SQLite and PostgreSQL: dedupe, atomic reservations, derived counters."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.paper_book import PaperBook
from binfolio.adapters.storage.trade_repo import TradeRepository
from binfolio.domain.trading.client_id import client_order_id
from binfolio.domain.trading.orders import Fill, OrderOutcome, OrderRejected, TradeStatus
from binfolio.domain.trading.records import NewSignal, NewTrade, StoredSignal, TradeCounts
from binfolio.domain.trading.risk import ACCEPT, Decision, MaxTradesPerDay, TraderState
from binfolio.domain.trading.signal import OrderType, Side, Signal
from binfolio.domain.trading.sizing import OrderPlan

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = NOW.replace(hour=0)


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url, pool_size=20)
    yield make_session_factory(engine)
    engine.dispose()


def signal(symbol: str = "BTCUSDT", side: Side = Side.BUY, alert_id: str | None = None) -> Signal:
    return Signal(symbol, side, OrderType.MARKET, D(20), alert_id=alert_id)


def store(
    repo: TradeRepository, sig: Signal, body: str, at: datetime = NOW, window_s: int = 60
) -> tuple[str, int]:
    key = f"id:{sig.alert_id}" if sig.alert_id else f"body:{body}:{at.timestamp()}"
    new = NewSignal(sig, key, body, at, {"symbol": sig.symbol})
    outcome = repo.store_signal(
        new, window_start=at - timedelta(seconds=window_s), screen=lambda paused: ACCEPT
    )
    return outcome.status, outcome.signal_id


def claim(
    repo: TradeRepository, signal_id: int, worker: str, at: datetime, limit: int | None = None
) -> tuple[StoredSignal, Decision] | None:
    """Claim a signal, its early look applying a daily limit when one is given."""

    def screen(stored: StoredSignal, counts: TradeCounts) -> Decision:
        if limit is None:
            return ACCEPT
        state = TraderState(trades_today=counts.trades_today)
        return MaxTradesPerDay(limit)(stored.signal, state, at)

    return repo.claim_signal(signal_id, worker, at, day_start=at.replace(hour=0), screen=screen)


def reserve(
    repo: TradeRepository, sig: Signal, body: str, at: datetime = NOW, limit: int = 100
) -> object:
    """Store, claim and reserve one signal under a daily limit; the trade or the decision."""
    _, signal_id = store(repo, sig, body, at)
    claimed = claim(repo, signal_id, "test", at)
    assert claimed is not None
    stored = claimed[0]

    def decide(counts: TradeCounts) -> NewTrade | Decision:
        state = TraderState(trades_today=counts.trades_today)
        decision = MaxTradesPerDay(limit)(sig, state, at)
        if not decision.ok:
            return decision
        plan = OrderPlan(
            sig.symbol, sig.side, OrderType.MARKET, quote_order_qty=D(20), notional=D(20)
        )
        return NewTrade(plan, client_order_id(repo.mode, stored.signal_key), "BTC", D(20))

    return repo.reserve(
        stored, now=at, day_start=at.replace(hour=0), balances_read_at=at, decide=decide
    )


def filled(client_id: str, qty: str = "0.001", fee: str = "0.000001") -> OrderOutcome:
    fill = Fill(D(60000), D(qty), D(fee), "BTC", 1)
    return OrderOutcome(client_id, TradeStatus.FILLED, 7, D(qty), D(qty) * 60000, (fill,))


def test_same_alert_id_is_a_duplicate_at_any_time(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    first = store(repo, signal(alert_id="a1"), "h1")
    again = store(repo, signal(alert_id="a1"), "h2", NOW + timedelta(days=3))
    assert first[0] == "accepted"
    assert again == ("duplicate", first[1])
    # Another mode keeps its own signals.
    other = TradeRepository(factory, "paper")
    other.ensure_mode(NOW)
    assert store(other, signal(alert_id="a1"), "h1")[0] == "accepted"


def test_same_body_without_id_is_a_duplicate_only_within_the_window(
    factory: sessionmaker[Session],
) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    first = store(repo, signal(), "same-body")
    assert store(repo, signal(), "same-body", NOW + timedelta(seconds=59)) == (
        "duplicate",
        first[1],
    )
    assert store(repo, signal(), "same-body", NOW + timedelta(seconds=61))[0] == "accepted"
    assert store(repo, signal(), "other-body", NOW)[0] == "accepted"
    overview = repo.overview(DAY)
    assert [s["deliveries"] for s in overview.recent_signals] == [1, 1, 2]


def test_paused_screen_rejects_at_ingest(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.set_paused(True, "maintenance", NOW)
    new = NewSignal(signal(), "body:x:1", "x", NOW, {})
    outcome = repo.store_signal(
        new,
        window_start=NOW,
        screen=lambda paused: Decision(False, "trading is paused") if paused else ACCEPT,
    )
    assert (outcome.status, outcome.reason) == ("rejected", "trading is paused")
    assert claim(repo, outcome.signal_id, "w", NOW) is None  # nothing to decide
    assert repo.overview(DAY).paused_reason == "maintenance"


def test_fifty_concurrent_reservations_never_pass_the_daily_limit(
    factory: sessionmaker[Session],
) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    with ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(lambda n: reserve(repo, signal(alert_id=f"s{n}"), f"b{n}", limit=5), range(50))
        )
    trades = [r for r in results if not isinstance(r, Decision)]
    refusals = [r for r in results if isinstance(r, Decision)]
    assert len(trades) == 5
    assert len(refusals) == 45
    assert all("max_trades_per_day is 5" in r.reason for r in refusals)
    assert repo.counts(signal(), DAY).trades_today == 5
    # Rejected signals carry their reason; the accepted keep theirs for the worker.
    statuses = [s["status"] for s in repo.overview(DAY, recent=50).recent_signals]
    assert statuses.count("rejected") == 45
    assert statuses.count("processing") == 5


def test_counters_come_from_rows_and_the_day_starts_at_midnight_utc(
    factory: sessionmaker[Session],
) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    late = NOW.replace(hour=23, minute=59)
    trade = reserve(repo, signal(alert_id="b1"), "b1", at=late)
    assert not isinstance(trade, Decision)
    repo.record_outcome(trade.id, filled(trade.client_order_id), late)  # type: ignore[attr-defined]
    counts = TradeRepository(factory, "testnet").counts(
        signal(), late.replace(hour=0), holdings=True
    )
    assert counts.trades_today == 1
    assert counts.open_trades == 1
    assert counts.last_trade_at == late
    assert counts.position_qty == D("0.000999")  # the fee was taken in BTC
    tomorrow = late + timedelta(minutes=2)
    assert repo.counts(signal(), tomorrow.replace(hour=0, minute=0)).trades_today == 0
    # A sell that executes closes the symbol's open buys.
    sell = reserve(repo, signal(side=Side.SELL, alert_id="s1"), "s1", at=tomorrow)
    repo.record_outcome(sell.id, filled(sell.client_order_id, "0.000999", "0"), tomorrow)  # type: ignore[attr-defined]
    counts = repo.counts(signal(), tomorrow.replace(hour=0, minute=0), holdings=True)
    assert counts.open_trades == 0
    assert counts.position_qty == 0
    assert counts.trades_today == 1


def test_rejected_orders_free_their_slot_and_in_flight_buys_hold_their_usdt(
    factory: sessionmaker[Session],
) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    refused = reserve(repo, signal(alert_id="r1"), "r1")
    pending = reserve(repo, signal(alert_id="r2"), "r2")
    repo.record_failure(refused.id, TradeStatus.REJECTED, "Filter failure", -1013, NOW)  # type: ignore[attr-defined]
    counts = repo.counts(signal(), DAY, balances_read_at=NOW, holdings=True)
    assert counts.trades_today == 1
    assert counts.open_trades == 1
    assert counts.pending_usdt == D(20)  # r2 is still reserved
    repo.record_outcome(pending.id, filled(pending.client_order_id), NOW + timedelta(seconds=1))  # type: ignore[attr-defined]
    # Filled after the balances were read: still counted against them, not after a new read.
    assert repo.counts(signal(), DAY, NOW, holdings=True).pending_usdt == D(20)
    later = NOW + timedelta(seconds=2)
    assert repo.counts(signal(), DAY, later, holdings=True).pending_usdt == 0


def test_only_one_worker_wins_a_send(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    trade = reserve(repo, signal(alert_id="w1"), "w1")
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda _: repo.start_send(trade, NOW), range(8)))  # type: ignore[arg-type]
    assert wins.count(True) == 1


def test_claim_rejects_at_first_look_without_the_lock(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    reserve(repo, signal(alert_id="full"), "full", limit=1)
    _, signal_id = store(repo, signal(alert_id="late"), "late")
    claimed = claim(repo, signal_id, "w", NOW, limit=1)
    assert claimed is not None
    assert "max_trades_per_day is 1" in claimed[1].reason
    recent = repo.overview(DAY).recent_signals[0]
    assert (recent["status"], recent["reason"]) == ("rejected", claimed[1].reason)


def test_claims_and_orphans(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "testnet")
    repo.ensure_mode(NOW)
    _, first = store(repo, signal(alert_id="o1"), "o1")
    _, second = store(repo, signal(alert_id="o2"), "o2")
    assert claim(repo, first, "w1", NOW) is not None
    assert claim(repo, first, "w2", NOW) is None
    later = NOW + timedelta(minutes=5)
    # o2 was never claimed; o1's worker stopped without reserving: both are orphans.
    assert repo.orphan_signal_ids(received_before=later, claimed_before=later) == [first, second]
    repo.reclaim_stale_signal(first, later)
    claimed = claim(repo, first, "w2", later)
    assert claimed is not None
    assert isinstance(claimed[0], StoredSignal)
    assert claimed[0].signal.alert_id == "o1"


def test_paper_fill_is_atomic_and_applied_once(factory: sessionmaker[Session]) -> None:
    repo = TradeRepository(factory, "paper")
    repo.ensure_mode(NOW)
    book = PaperBook(factory, D(100))
    book.open(NOW)
    book.open(NOW)  # a second start keeps the balance
    trade = reserve(repo, signal(alert_id="p1"), "p1")
    client_id = trade.client_order_id  # type: ignore[attr-defined]
    outcome = filled(client_id, "0.001", "0.000001")
    with pytest.raises(OrderRejected, match="insufficient balance"):
        book.fill(client_id, pay=("USDT", D(101)), receive=("BTC", D(1)), outcome=outcome, now=NOW)
    assert book.balances() == {"USDT": D(100)}
    first = book.fill(
        client_id, pay=("USDT", D(60)), receive=("BTC", D("0.000999")), outcome=outcome, now=NOW
    )
    again = book.fill(
        client_id, pay=("USDT", D(60)), receive=("BTC", D("0.000999")), outcome=outcome, now=NOW
    )
    assert first == again
    assert first.executed_qty == D("0.001")
    assert book.balances() == {"USDT": D(40), "BTC": D("0.000999")}
    assert repo.stored_outcome(client_id) == first

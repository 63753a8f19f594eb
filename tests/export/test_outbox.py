"""The outbox on SQLite and PostgreSQL: what a row renders from, freezing, whole runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.export_repo import enqueue_run_rows
from binfolio.adapters.storage.models import ExportOutboxRow, SnapshotRow
from binfolio.services.export.ports import FrozenRow
from binfolio.services.export.rows import render_row
from tests.export.support import T0, Store, account_id, add_benchmark, add_flow, add_run


def test_enqueueing_a_run_twice_keeps_one_row_per_account(store: Store) -> None:
    run_id = add_run(store, {"main": "100", "side": "200"})
    with transaction(store.factory) as session:
        snapshot_id = session.scalars(
            select(SnapshotRow.id).where(SnapshotRow.run_id == run_id).limit(1)
        ).one()
        owner = session.scalars(
            select(SnapshotRow.account_id).where(SnapshotRow.id == snapshot_id)
        ).one()
        enqueue_run_rows(session, run_id=run_id, account_id=owner, snapshot_id=snapshot_id)

    assert store.repo.counts().pending == 2


def test_a_row_renders_nav_benchmark_excess_and_the_flows_since_the_previous_snapshot(
    store: Store,
) -> None:
    add_run(store, {"main": "9000"})
    # 0.1 BTC + 1 ETH at 60000 / 3000 = 9000 USDT at every run's prices.
    add_benchmark(
        store, "main", {"BTC": "0.1", "ETH": "1"}, at=T0, updated_at=T0 + timedelta(days=1)
    )
    add_flow(store, "main", "deposit", "500", at=T0 + timedelta(minutes=30), binance_id="d1")
    add_flow(store, "main", "withdrawal", "120.5", at=T0 + timedelta(minutes=40), binance_id="w1")
    add_run(store, {"main": "9900.123"}, unpriced=("FOO",))

    sources = store.repo.unrendered(10)

    cells = [render_row(source).cells for source in sources]
    assert cells[0][2:6] == ["9000.00", "9000.00", "0.00", "0.00"]
    assert cells[1] == [
        "2026-11-30T13:00:06Z",
        "main",
        "9900.12",
        "9000.00",
        "10.00",
        "379.50",
        "complete",
        "FOO",
        "USDT: 9900.12",
        store.runs[1],
    ]


def test_the_benchmark_cell_stays_empty_while_a_flow_before_the_snapshot_is_being_priced(
    store: Store,
) -> None:
    add_run(store, {"main": "9000"})
    add_benchmark(
        store, "main", {"BTC": "0.1", "ETH": "1"}, at=T0, updated_at=T0 + timedelta(days=1)
    )
    add_flow(store, "main", "deposit", None, at=T0 + timedelta(minutes=30), binance_id="d1")
    add_run(store, {"main": "9500"})

    second = render_row(store.repo.unrendered(10)[1]).cells

    assert second[3:6] == ["", "", ""]  # benchmark, excess and flows unknown, not zero


def test_the_benchmark_cell_waits_for_the_update_that_follows_the_run(store: Store) -> None:
    units = {"BTC": "0.1", "ETH": "1"}
    add_run(store, {"main": "9000"})
    # The collector updates each benchmark up to its run's start, after the run.
    add_benchmark(store, "main", units, at=T0, updated_at=T0 + timedelta(hours=1))
    add_run(store, {"main": "9000"})  # started at T0 + 1 h: covered
    add_run(store, {"main": "9000"})  # started at T0 + 2 h: its update has not run yet

    cells = [render_row(source).cells[3] for source in store.repo.unrendered(10)]

    assert cells == ["9000.00", "9000.00", ""]


def test_rows_of_a_run_still_running_wait(store: Store) -> None:
    add_run(store, {"main": "100"}, run_status="running")

    assert store.repo.unrendered(10) == []
    assert store.repo.pending(10) == []
    assert store.repo.counts().pending == 1


def test_frozen_cells_are_sent_as_they_were_first_rendered(store: Store) -> None:
    add_run(store, {"main": "100"})
    [source] = store.repo.unrendered(10)
    store.repo.freeze([render_row(source)], T0)
    # A second render (another sender, or a changed benchmark) never replaces the first.
    store.repo.freeze([FrozenRow(source.outbox_id, ["changed"] * 10)], T0)

    [pending] = store.repo.pending(10)

    assert pending.cells == render_row(source).cells
    assert store.repo.unrendered(10) == []


def test_pending_returns_whole_runs_beyond_the_limit(store: Store) -> None:
    first = add_run(store, {"a": "1", "b": "2", "c": "3"})
    add_run(store, {"a": "4"})
    store.repo.freeze([render_row(s) for s in store.repo.unrendered(10)], T0)

    batch = store.repo.pending(2)

    assert [row.run_id for row in batch] == [first] * 3


def test_resync_queues_only_runs_without_any_outbox_row(store: Store) -> None:
    add_run(store, {"main": "1"}, enqueue=False)
    add_run(store, {"main": "2", "side": "3"}, enqueue=False)
    queued_run = add_run(store, {"main": "4"})
    # A run whose other account has its row already: adding this one could split the run.
    with transaction(store.factory) as session:
        snapshot = SnapshotRow(
            run_id=queued_run,
            account_id=account_id(store.factory, "late"),
            taken_at=T0,
            status="complete",
            reasons=[],
            unpriced=[],
            drift_flagged=False,
        )
        session.add(snapshot)

    queued = store.repo.enqueue_missing(T0)

    assert queued == 3
    with store.factory() as session:
        runs = session.scalars(select(ExportOutboxRow.run_id)).all()
    assert sorted(runs) == sorted([store.runs[0], store.runs[1], store.runs[1], queued_run])


def test_sent_rows_are_no_longer_pending_and_keep_no_error(store: Store) -> None:
    add_run(store, {"main": "1", "side": "2"})
    store.repo.freeze([render_row(s) for s in store.repo.unrendered(10)], T0)
    ids = [row.outbox_id for row in store.repo.pending(10)]
    store.repo.note_attempt(ids)
    store.repo.note_error(ids, "Google Sheets failed (503)")

    store.repo.mark_sent(ids[:1], T0)

    [left] = store.repo.pending(10)
    assert (left.outbox_id, left.attempts) == (ids[1], 1)
    with store.factory() as session:
        rows = session.execute(select(ExportOutboxRow.id, ExportOutboxRow.last_error)).all()
    errors = {row_id: error for row_id, error in rows}  # noqa: C416
    assert errors == {ids[0]: None, ids[1]: "Google Sheets failed (503)"}
    assert (store.repo.counts().pending, store.repo.counts().sent) == (1, 1)

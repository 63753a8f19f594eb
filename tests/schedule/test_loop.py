"""The serve loop on a fake clock: on time, never twice at once, once after a sleep, hooks aside."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from binfolio.services.collect.results import RunResult
from binfolio.services.schedule.cron import Schedule
from binfolio.services.schedule.loop import Scheduler

START = datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC)
MINUTELY = Schedule("0 * * * * *")


class FakeClock:
    """Wall time that moves only when the loop sleeps or a job says it took time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


def result(slot: datetime) -> RunResult:
    return RunResult(
        run_id=f"run-{slot:%H%M%S}",
        started_at=slot,
        finished_at=slot,
        status="complete",
        accounts=(),
        requests=0,
        weight=0,
        price_requests=1,
    )


class Job:
    """Records each slot, the time it started, and how many ran at once."""

    def __init__(self, clock: FakeClock, stop: asyncio.Event, slots: int) -> None:
        self.clock, self.stop, self.slots = clock, stop, slots
        self.calls: list[tuple[datetime, datetime]] = []
        self.durations: dict[int, float] = {}
        self.running = self.most_at_once = 0

    async def __call__(self, slot: datetime) -> Sequence[RunResult]:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.calls.append((slot, self.clock()))
        self.clock.advance(self.durations.get(len(self.calls), 2.0))
        await asyncio.sleep(0)
        self.running -= 1
        if len(self.calls) >= self.slots:
            self.stop.set()
        return [result(slot)]


async def run_loop(job_slots: int, **options: object) -> tuple[Job, FakeClock, Scheduler]:
    clock, stop = FakeClock(START), asyncio.Event()
    job = Job(clock, stop, job_slots)
    durations = options.pop("durations", {})
    job.durations.update(durations)  # type: ignore[call-overload]
    scheduler = Scheduler(MINUTELY, job, clock=clock, wait=clock.wait, **options)  # type: ignore[arg-type]
    await asyncio.wait_for(scheduler.run(stop), timeout=10)
    return job, clock, scheduler


async def test_each_slot_runs_once_at_its_time() -> None:
    job, _, scheduler = await run_loop(5, catch_up=False)

    slots = [slot for slot, _ in job.calls]
    assert slots == [datetime(2026, 3, 2, 10, m, tzinfo=UTC) for m in range(1, 6)]
    assert all(started - slot < timedelta(seconds=1) for slot, started in job.calls)
    assert scheduler.next_run_at == datetime(2026, 3, 2, 10, 6, tzinfo=UTC)


async def test_at_start_the_latest_past_slot_is_caught_up_once() -> None:
    job, _, _ = await run_loop(2, catch_up=True)

    assert [slot for slot, _ in job.calls] == [
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 1, tzinfo=UTC),
    ]


async def test_a_run_that_overruns_its_slot_is_not_started_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The first run lasts 150 s: the slots at 10:02 and 10:03 pass while it runs.
    job, _, _ = await run_loop(3, catch_up=False, durations={1: 150.0})

    slots = [slot for slot, _ in job.calls]
    assert job.most_at_once == 1
    assert slots == [
        datetime(2026, 3, 2, 10, 1, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 4, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 5, tzinfo=UTC),
    ]
    assert "2 slot(s) not started while it ran" in caplog.text


async def test_slots_missed_while_asleep_run_once_on_wake_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, stop = FakeClock(START), asyncio.Event()
    job = Job(clock, stop, 3)
    slept = False

    async def wait(event: asyncio.Event, seconds: float) -> None:
        nonlocal slept
        if len(job.calls) == 1 and not slept:
            slept = True
            clock.advance(5 * 3600 + 17)  # the lid closed for five hours
        else:
            clock.advance(seconds)
        await asyncio.sleep(0)

    scheduler = Scheduler(MINUTELY, job, clock=clock, wait=wait, catch_up=False)
    await asyncio.wait_for(scheduler.run(stop), timeout=10)

    slots = [slot for slot, _ in job.calls]
    assert slots[0] == datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    assert slots[1] == datetime(2026, 3, 2, 15, 1, tzinfo=UTC)  # once, for the latest slot
    assert slots[2] == datetime(2026, 3, 2, 15, 2, tzinfo=UTC)
    assert "300 slot(s) from 2026-03-02 10:02:00 UTC passed" in caplog.text


async def test_a_failing_slot_is_logged_and_the_next_slot_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, stop = FakeClock(START), asyncio.Event()
    calls: list[datetime] = []

    async def job(slot: datetime) -> Sequence[RunResult]:
        calls.append(slot)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        stop.set()
        return []

    told: list[tuple[datetime, str]] = []

    async def on_failure(slot: datetime, error: Exception) -> None:
        told.append((slot, str(error)))

    scheduler = Scheduler(
        MINUTELY, job, clock=clock, wait=clock.wait, catch_up=False, on_failure=on_failure
    )
    await scheduler.run(stop)

    assert len(calls) == 2
    assert told == [(datetime(2026, 3, 2, 10, 1, tzinfo=UTC), "database gone")]
    assert "slot 2026-03-02 10:01:00 UTC failed" in caplog.text
    assert "database gone" in caplog.text


async def test_hooks_run_in_order_and_neither_a_failing_nor_a_hanging_one_holds_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []
    release = asyncio.Event()

    async def slow_export(run: RunResult) -> None:
        await release.wait()  # a receiver that hangs until the test lets it go
        seen.append(f"export {run.run_id}")

    async def broken_alerts(run: RunResult) -> None:
        seen.append(f"alerts {run.run_id}")
        raise RuntimeError("apprise exploded")

    job, _, scheduler = await run_loop(3, catch_up=False, hooks=[slow_export, broken_alerts])

    assert len(job.calls) == 3  # the loop went on while the first hook hung
    assert seen == []
    release.set()
    await scheduler.drain_hooks(5)
    assert seen == [
        "export run-100100",
        "alerts run-100100",
        "export run-100200",
        "alerts run-100200",
        "export run-100300",
        "alerts run-100300",
    ]
    assert caplog.text.count("broken_alerts failed for run") == 3


async def test_hooks_still_hanging_at_shutdown_are_abandoned_after_the_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def hangs(run: RunResult) -> None:
        await asyncio.Event().wait()

    _, _, scheduler = await run_loop(1, catch_up=False, hooks=[hangs])
    await scheduler.drain_hooks(0.05)

    assert "1 after-run hook call(s) abandoned at shutdown" in caplog.text


async def test_stop_during_a_run_lets_it_finish_then_ends_the_loop() -> None:
    clock, stop = FakeClock(START), asyncio.Event()
    finished: list[datetime] = []

    async def job(slot: datetime) -> Sequence[RunResult]:
        stop.set()  # SIGTERM arrives mid-run
        await asyncio.sleep(0.01)
        finished.append(slot)
        return []

    await asyncio.wait_for(
        Scheduler(MINUTELY, job, clock=clock, wait=clock.wait, catch_up=False).run(stop), 5
    )

    assert finished == [datetime(2026, 3, 2, 10, 1, tzinfo=UTC)]

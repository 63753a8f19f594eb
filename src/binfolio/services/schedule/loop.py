"""The serve loop: one run per slot of ``collector.schedule_cron``, never two at once.

Why a loop of our own over croniter rather than APScheduler: the three rules the service must
keep are each one line here, and each has a test. (1) A run that overruns its slot is not
started twice: the loop is sequential, and slots whose time came while a run was going on are
skipped with a warning (APScheduler's ``max_instances=1``). (2) Slots missed while the machine
was asleep run once on wake-up, not once each (``coalesce=True``). (3) Sleep is measured on the
wall clock, in steps of at most ``max_sleep_s``: asyncio's timers use the monotonic clock, which
on Linux stops while the machine is suspended, so a timer armed for "in an hour" before a
suspend would fire an hour *after* the wake-up. APScheduler would add a dependency and a second
timer system for none of that.

After each run, the after-run hooks (exports, alerts) are called in the background, one run's
hooks after the previous run's, so that a slow or dead receiver never delays a slot; a hook that
raises is logged and forgotten. See ``docs/service.md``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from binfolio.domain.clock import Clock
from binfolio.services.collect.results import RunResult
from binfolio.services.schedule.cron import Schedule

log = logging.getLogger(__name__)

AfterRun = Callable[[RunResult], Awaitable[None]]
"""Called after each snapshot run with its result; must not raise (it is logged if it does)."""
SlotJob = Callable[[datetime], Awaitable[Sequence[RunResult]]]
"""Collects one slot (the slot's start time) and returns the runs it made."""
Wait = Callable[[asyncio.Event, float], Awaitable[None]]
SlotFailed = Callable[[datetime, Exception], Awaitable[None]]
"""Told when a whole slot fails before it has results (alerts: "run failed")."""


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``stop`` is set."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))
    except TimeoutError:
        return


class Scheduler:
    """Runs ``job`` once per slot of ``schedule`` until ``stop`` is set."""

    def __init__(
        self,
        schedule: Schedule,
        job: SlotJob,
        *,
        clock: Clock,
        hooks: Sequence[AfterRun] = (),
        catch_up: bool = True,
        max_sleep_s: float = 10.0,
        wait: Wait = wait_or_stop,
        on_next: Callable[[], Awaitable[None]] | None = None,
        on_failure: SlotFailed | None = None,
    ) -> None:
        """Set up the loop.

        Args:
            schedule: the slots.
            job: collects one slot.
            clock: the wall clock (UTC).
            hooks: after-run callbacks, in order.
            catch_up: at start, run the latest slot already past (the claims make that a
                no-op for accounts already collected in it, say before a restart).
            max_sleep_s: the longest single sleep; bounds how late a wake-up is noticed.
            wait: the sleep (tests inject one that moves a fake clock).
            on_next: called whenever :attr:`next_run_at` changes (the heartbeat publishes it).
            on_failure: called when a slot raises (its exception is logged either way).
        """
        self.schedule, self.job, self.clock = schedule, job, clock
        self.hooks = list(hooks)
        self.catch_up, self.max_sleep_s, self.wait = catch_up, max_sleep_s, wait
        self.on_next, self.on_failure = on_next, on_failure
        self.next_run_at: datetime | None = None
        self.last_slot: datetime | None = None
        self.running = False
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self._hooks_tail: asyncio.Task[None] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Run slots until ``stop`` is set; the run under way when it is set finishes first."""
        now = self.clock()
        if self.catch_up:
            await self._run(self.schedule.latest_at_or_before(now))
            now = self.clock()
        due = self.schedule.next_after(now)
        await self._set_next(due)
        while not stop.is_set():
            now = self.clock()
            if now < due:
                await self.wait(stop, min(self.max_sleep_s, (due - now).total_seconds()))
                continue
            slot = self.schedule.latest_at_or_before(now)
            missed = self.schedule.slots_between(due, slot, limit=1_000_000)
            if missed:
                log.warning(
                    "%d slot(s) from %s passed while the process was asleep or held up; "
                    "running once, for %s",
                    missed + 1,
                    _label(due),
                    _label(slot),
                )
            await self._run(slot)
            finished = self.clock()
            following = self.schedule.next_after(slot)
            if following <= finished:
                overrun = self.schedule.slots_between(slot, finished, limit=1_000_000)
                log.warning(
                    "the run for %s lasted until %s: %d slot(s) not started while it ran",
                    _label(slot),
                    _label(finished),
                    overrun,
                )
                following = self.schedule.next_after(finished)
            due = following
            await self._set_next(due)
        log.info("scheduler stopped")

    async def _set_next(self, moment: datetime) -> None:
        self.next_run_at = moment
        if self.on_next is None:
            return
        try:
            await self.on_next()
        except Exception:  # the heartbeat tries again on its own timer
            log.exception("publishing the next run failed")

    async def _run(self, slot: datetime) -> None:
        self.running, self.last_slot = True, slot
        try:
            results = await self.job(slot)
        except Exception as exc:  # one bad slot must not end the service
            log.exception("slot %s failed", _label(slot))
            results = ()
            await self._tell_failure(slot, exc)
        finally:
            self.running = False
        for result in results:
            self._after(result)

    async def _tell_failure(self, slot: datetime, error: Exception) -> None:
        if self.on_failure is None:
            return
        try:
            await self.on_failure(slot, error)
        except Exception:
            log.exception("the slot-failure hook failed")

    def _after(self, result: RunResult) -> None:
        if not self.hooks:
            return
        previous = self._hooks_tail
        task = asyncio.create_task(self._call_hooks(result, previous))
        self._hooks_tail = task
        self._hook_tasks.add(task)
        task.add_done_callback(self._hook_tasks.discard)

    async def _call_hooks(self, result: RunResult, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            # One run's hooks after the previous run's: exports keep the runs' order.
            await asyncio.wait([previous])
        for hook in self.hooks:
            try:
                await hook(result)
            except Exception:
                log.exception("after-run hook %s failed for run %s", _name(hook), result.run_id)

    async def drain_hooks(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the hooks under way, then cancel what is left."""
        pending = set(self._hook_tasks)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d after-run hook call(s) abandoned at shutdown", len(late))
            await asyncio.wait(late)


def _label(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _name(hook: AfterRun) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)

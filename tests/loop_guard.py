"""The suite's guard against blocking an event loop (a pytest plugin, loaded by conftest.py).

Every loop the tests create runs in asyncio's debug mode (pytest-asyncio's ``asyncio_debug`` in
pyproject.toml; PYTHONASYNCIODEBUG for loops the code makes itself). A test fails when one
callback of a task the code under test made (a run's accounts, a server's requests)

- used more than ``CPU_S`` of CPU time: work that belongs in a worker thread, or
- held the loop longer than ``WALL_S`` (asyncio's own slow-callback report): a blocking wait,
  such as a database call waiting for a pooled connection (the `binfolio snapshot` hang at 16
  accounts).

CPU time, not wall time, sets the tight limit: on a busy 2-core CI machine an innocent callback
of 20 ms was seen to take 280 ms of wall time while the process waited for a core. Time in the
garbage collector is not counted either: a full collection of the test process's large heap
(half a second) lands on whichever callback happens to allocate, while `binfolio` itself freezes
its start-up heap (``entrypoints/cli/heap.py``). The test's own body and fixtures are exempt:
setting up rows synchronously there is not production code.
"""

from __future__ import annotations

import asyncio.base_events
import asyncio.events
import gc
import logging
import os
import threading
import time
from collections.abc import Iterator

import pytest

os.environ["PYTHONASYNCIODEBUG"] = "1"
CPU_S = float(os.environ.get("BINFOLIO_TEST_CALLBACK_CPU_S", "0.1"))
WALL_S = float(os.environ.get("BINFOLIO_TEST_CALLBACK_WALL_S", "1.0"))
# How asyncio names the tasks of a test function and of pytest-asyncio's fixture wrappers.
_TEST_TASKS = ("coro=<test_", "_async_fixture_wrapper", "_asyncgen_fixture_wrapper")
_seen: list[str] = []


def _from_code_under_test(text: str) -> bool:
    return threading.current_thread() is threading.main_thread() and not any(
        mark in text for mark in _TEST_TASKS
    )


_gc_cpu_s = [0.0, 0.0]  # CPU spent in the collector so far; when the current collection began


def _count_gc(phase: str, _info: dict[str, int]) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    if phase == "start":
        _gc_cpu_s[1] = time.thread_time()
    else:
        _gc_cpu_s[0] += time.thread_time() - _gc_cpu_s[1]


def _install() -> None:
    """Time every callback's CPU, and make asyncio report waits longer than ``WALL_S``."""
    run = asyncio.events.Handle._run
    init = asyncio.base_events.BaseEventLoop.__init__
    gc.callbacks.append(_count_gc)

    def timed_run(self: asyncio.events.Handle) -> None:
        started, collected = time.thread_time(), _gc_cpu_s[0]
        run(self)
        used_s = time.thread_time() - started - (_gc_cpu_s[0] - collected)
        if used_s > CPU_S:
            text = asyncio.base_events._format_handle(self)  # type: ignore[attr-defined]
            if _from_code_under_test(text):
                _seen.append(f"Executing {text} used {used_s:.3f} s of CPU")

    def init_with_threshold(self: asyncio.base_events.BaseEventLoop) -> None:
        init(self)
        self.slow_callback_duration = WALL_S

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
    asyncio.base_events.BaseEventLoop.__init__ = init_with_threshold  # type: ignore[method-assign]


class _SlowCallbacks(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "took" in message and _from_code_under_test(message):
            _seen.append(message)


_install()


@pytest.fixture(autouse=True)
def _no_blocked_loop() -> Iterator[None]:
    """Fail a test whose code blocked an event loop (see the module docstring)."""
    handler = _SlowCallbacks(logging.WARNING)
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    _seen.clear()
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if _seen:
        found, _seen[:] = list(_seen[:5]), []
        pytest.fail(
            f"the event loop was blocked (limits: {CPU_S * 1000:.0f} ms of CPU, "
            f"{WALL_S:g} s of wall time per callback):\n" + "\n".join(found)
        )

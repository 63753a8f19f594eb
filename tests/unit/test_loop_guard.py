"""The suite's guard against blocking calls on an event loop fails the test that makes one."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

BLOCKING_TEST = """
import asyncio
import time


async def read_account():
    time.sleep(1.2)  # a blocking wait, as a database call waiting for a connection would be


async def value_account():
    deadline = time.thread_time() + 0.3
    while time.thread_time() < deadline:  # CPU work that belongs in a worker thread
        pass


async def test_waits_on_the_loop():
    # Code under test runs its work in tasks (a run's accounts, a server's requests).
    await asyncio.gather(asyncio.create_task(read_account()))


async def test_burns_cpu_on_the_loop():
    await asyncio.gather(asyncio.create_task(value_account()))


async def test_awaits_politely():
    await asyncio.to_thread(time.sleep, 1.2)


async def test_sets_up_synchronously_in_its_own_body():
    time.sleep(1.2)  # the test's own set-up is not production code
    await asyncio.sleep(0)
"""


def test_a_callback_that_blocks_the_loop_fails_its_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.loop_guard"]')
    pytester.makepyfile(test_guard=BLOCKING_TEST)
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[2]))

    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_debug=true",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )

    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(["*the event loop was blocked*", "*took 1.2*"])
    result.stdout.fnmatch_lines(["*the event loop was blocked*", "*value_account*s of CPU*"])

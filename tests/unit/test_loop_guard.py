"""The suite's guard against blocking calls on an event loop fails the test that makes one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

BLOCKING_TEST = '''
import asyncio
import time


async def read_account():
    time.sleep(0.4)  # a synchronous call, as a database call on the loop would be


async def test_blocks_the_loop():
    # Code under test runs its work in tasks (a run's accounts, a server's requests).
    await asyncio.gather(asyncio.create_task(read_account()))


async def test_awaits_politely():
    await asyncio.to_thread(time.sleep, 0.4)
'''


def test_a_callback_that_blocks_the_loop_fails_its_test(pytester: pytest.Pytester) -> None:
    shutil.copy(Path(__file__).parents[1] / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(test_guard=BLOCKING_TEST)

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

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*the event loop was blocked*", "*took 0.4*"])

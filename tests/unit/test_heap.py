"""The CLI's garbage-collector settings around start-up and exit (binfolio.entrypoints.cli.heap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from binfolio.entrypoints.cli import heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_collects_seldom_then_normal_collection_resumes() -> None:
    normal = gc.get_threshold()

    heap.starting()
    assert gc.get_threshold()[0] > 100 * normal[0]

    survivor = [object() for _ in range(1000)]
    heap.started()
    assert gc.get_threshold() == normal
    assert gc.get_freeze_count() >= len(survivor)  # start-up's objects are set aside


@pytest.mark.usefixtures("restored_gc")
def test_exit_sets_every_object_aside() -> None:
    tracked = len(gc.get_objects())

    heap.exiting()

    assert gc.get_freeze_count() >= tracked
    assert len(gc.get_objects()) < tracked  # nothing left for shutdown's collections to walk

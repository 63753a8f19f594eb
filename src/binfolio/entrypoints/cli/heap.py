"""The cyclic garbage collector around a command's start and end.

A command imports SQLAlchemy, pydantic, httpx and rich: some 85,000 objects the collector
tracks, which live until the process ends and are never garbage. Left alone, the collector
walks them again and again while they are imported, and once more over the whole heap while
the interpreter shuts down — a quarter of a second of a one-account `binfolio snapshot` on a
2-core machine (measured in benchmarks/README.md). So during start-up it collects seldom; once
the command has what it needs those objects are set aside (``gc.freeze``) and normal collection
resumes; and at exit everything is set aside so that shutdown does not walk it once more.
"""

from __future__ import annotations

import gc

# A young generation this large is collected a few times during start-up, not over a hundred.
_START_UP_THRESHOLDS = (100_000, 50, 100)
_normal_thresholds = gc.get_threshold()


def starting() -> None:
    """Collect seldom while the command imports its libraries."""
    gc.set_threshold(*_START_UP_THRESHOLDS)


def started() -> None:
    """Set aside what start-up built and collect normally from now on (long runs need it)."""
    gc.freeze()
    gc.set_threshold(*_normal_thresholds)


def exiting() -> None:
    """Spare interpreter shutdown a walk over every object: nothing left is worth collecting."""
    gc.freeze()

"""Time helpers: everything is timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Clock = Callable[[], datetime]
"""Injected everywhere time matters so that tests can pin it."""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def from_ms(time_ms: int) -> datetime:
    """Milliseconds since the epoch → aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=time_ms)


def to_ms(moment: datetime) -> int:
    """Aware datetime → milliseconds since the epoch.

    Raises:
        ValueError: for a naive datetime, which would be ambiguous.
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: binfolio only handles aware UTC times")
    # Integer arithmetic on timedelta: float timestamps lose sub-millisecond exactness.
    return (moment - EPOCH) // timedelta(milliseconds=1)

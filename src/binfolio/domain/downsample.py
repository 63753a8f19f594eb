"""Thin a long series for drawing without losing its spikes (min/max buckets).

A chart is a few hundred pixels wide: five years of hourly snapshots (43,800 points) draw no
better than a thousand, but a plain "every n-th point" would drop the hour the NAV fell 30% and
came back. Here the interior of the series is cut into buckets of consecutive points, and each
bucket keeps the points where each given column reaches its minimum and its maximum; the first
and last points are always kept. So every extreme of every column survives, and in particular
the global minimum and maximum. Pure: no I/O, plain floats (chart points, never money).
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_POINTS = 2


def bucket_count(max_points: int, columns: int) -> int:
    """How many buckets fit in ``max_points`` when each keeps two points per column.

    Raises:
        ValueError: when ``max_points`` cannot hold the first and last points and one bucket.
    """
    if columns < 1:
        raise ValueError("give at least one column")
    buckets = (max_points - MIN_POINTS) // (2 * columns)
    if buckets < 1:
        raise ValueError(
            f"max_points {max_points} is too small: it needs at least {MIN_POINTS + 2 * columns}"
        )
    return buckets


def minmax_indices(columns: Sequence[Sequence[float]], max_points: int) -> list[int]:
    """Indices (ascending) of the points to draw: at most ``max_points`` of them.

    Args:
        columns: one or more parallel value columns of equal length (NAV, TWR index, …).
        max_points: the most points the result may hold.

    Raises:
        ValueError: when the columns differ in length or ``max_points`` is too small.
    """
    if not columns:
        raise ValueError("give at least one column")
    size = len(columns[0])
    if any(len(column) != size for column in columns):
        raise ValueError("columns must have the same length")
    if size <= max_points:
        return list(range(size))
    buckets = bucket_count(max_points, len(columns))
    interior = size - 2
    keep = {0, size - 1}
    for bucket in range(buckets):
        # Integer bounds spread the remainder over the buckets: none is empty while
        # interior ≥ buckets, which holds because size > max_points > buckets.
        start = 1 + bucket * interior // buckets
        stop = 1 + (bucket + 1) * interior // buckets
        span = range(start, stop)
        for column in columns:
            keep.add(min(span, key=column.__getitem__))
            keep.add(max(span, key=column.__getitem__))
    return sorted(keep)


def take(values: Sequence[float], indices: Sequence[int]) -> list[float]:
    """``values`` at ``indices``, in that order."""
    return [values[i] for i in indices]

"""Min/max bucket thinning keeps at most max_points points and every extreme."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binfolio.domain.downsample import bucket_count, minmax_indices

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


def test_a_short_series_is_returned_whole() -> None:
    assert minmax_indices([[1.0, 2.0, 3.0]], max_points=10) == [0, 1, 2]


def test_a_one_hour_spike_in_five_years_of_hours_survives() -> None:
    navs = [10_000.0 + (i % 24) for i in range(43_800)]
    navs[31_337] = 30_000.0  # up ×3 for one hour
    navs[20_000] = 3_000.0  # down 70% for one hour
    kept = minmax_indices([navs], max_points=1000)
    assert len(kept) <= 1000
    assert 31_337 in kept
    assert 20_000 in kept
    assert kept[0] == 0
    assert kept[-1] == len(navs) - 1


@given(
    columns=st.integers(min_value=1, max_value=3).flatmap(
        lambda width: st.integers(min_value=1, max_value=600).flatmap(
            lambda size: st.lists(
                st.lists(finite, min_size=size, max_size=size), min_size=width, max_size=width
            )
        )
    ),
    max_points=st.integers(min_value=8, max_value=200),
)
def test_never_more_than_max_points_and_every_extreme_kept(
    columns: list[list[float]], max_points: int
) -> None:
    kept = minmax_indices(columns, max_points)
    size = len(columns[0])
    assert len(kept) <= max_points
    assert kept == sorted(set(kept))
    assert kept[0] == 0
    assert kept[-1] == size - 1
    for column in columns:
        values = {column[i] for i in kept}
        assert max(column) in values
        assert min(column) in values


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        minmax_indices([[1.0, 2.0], [1.0]], max_points=10)


def test_a_max_points_too_small_for_one_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        bucket_count(max_points=7, columns=3)
    assert bucket_count(max_points=8, columns=3) == 1
    assert bucket_count(max_points=1000, columns=3) == 166

"""The schedule as slots: five-field cron, six fields with seconds first, slot arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from binfolio.config import CollectorSettings
from binfolio.services.schedule.cron import Schedule

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def test_a_time_exactly_on_a_slot_is_that_slot_and_a_microsecond_before_is_the_previous() -> None:
    hourly = Schedule("0 * * * *")

    assert hourly.latest_at_or_before(T) == T
    assert hourly.latest_at_or_before(T + timedelta(minutes=59)) == T
    assert hourly.latest_at_or_before(T - timedelta(microseconds=1)) == T - timedelta(hours=1)
    assert hourly.next_after(T) == T + timedelta(hours=1)
    assert hourly.next_after(T - timedelta(microseconds=1)) == T


def test_six_fields_put_seconds_first() -> None:
    every_ten_s = Schedule("*/10 * * * * *")
    at_second_30 = Schedule("30 * * * * *")

    assert every_ten_s.next_after(T + timedelta(seconds=3)) == T + timedelta(seconds=10)
    assert every_ten_s.latest_at_or_before(T + timedelta(seconds=3)) == T
    assert at_second_30.next_after(T) == T + timedelta(seconds=30)
    assert at_second_30.next_after(T + timedelta(seconds=30)) == T + timedelta(
        minutes=1, seconds=30
    )


def test_slots_between_counts_the_half_open_interval_up_to_a_limit() -> None:
    every_two_s = Schedule("*/2 * * * * *")

    assert every_two_s.slots_between(T, T + timedelta(seconds=10), limit=100) == 5
    assert every_two_s.slots_between(T, T + timedelta(seconds=10), limit=3) == 3
    assert every_two_s.slots_between(T, T + timedelta(seconds=1), limit=100) == 0


def test_an_invalid_expression_is_refused_by_the_schedule_and_by_the_config() -> None:
    with pytest.raises(ValueError, match="not a valid cron"):
        Schedule("every hour")
    with pytest.raises(ValidationError, match="not a valid cron"):
        CollectorSettings(schedule_cron="61 * * * *")


def test_the_default_schedule_is_hourly_and_the_config_takes_six_fields() -> None:
    assert CollectorSettings().schedule_cron == "0 * * * *"
    assert CollectorSettings(schedule_cron="*/5 * * * * *").schedule_cron == "*/5 * * * * *"
    assert CollectorSettings().lock_wait_s == 60

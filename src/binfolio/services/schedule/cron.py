"""The snapshot schedule: a cron expression in UTC, read as a series of slots.

Five fields are the usual cron (``0 * * * *``, hourly). Six fields put seconds first, as
Quartz and APScheduler do (``*/10 * * * * *``, every ten seconds); croniter itself expects them
last, so the expression is read with ``second_at_beginning``. Seconds-level schedules exist for
tests and benchmarks; Binance's limits make anything faster than a minute pointless.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter

# croniter works in whole seconds; a time a microsecond past a slot still "is" that slot.
_EPSILON = timedelta(microseconds=1)


class Schedule:
    """Slot arithmetic over one cron expression (all times aware UTC)."""

    def __init__(self, expression: str) -> None:
        """Read ``expression``.

        Raises:
            ValueError: when it is not a valid five- or six-field cron expression.
        """
        self.expression = expression
        self._seconds_first = len(expression.split()) == 6
        if not croniter.is_valid(expression, second_at_beginning=self._seconds_first):
            raise ValueError(f"not a valid cron expression: {expression!r}")

    def _iter(self, start: datetime) -> croniter:
        return croniter(
            self.expression, start.astimezone(UTC), second_at_beginning=self._seconds_first
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after ``moment``."""
        slot: datetime = self._iter(moment).get_next(datetime)
        return slot.astimezone(UTC)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last slot at or before ``moment``."""
        slot: datetime = self._iter(moment + _EPSILON).get_prev(datetime)
        if slot > moment:  # croniter floors to whole seconds; never return a future slot
            slot = self._iter(slot).get_prev(datetime)
        return slot.astimezone(UTC)

    def slots_between(self, after: datetime, until: datetime, limit: int) -> int:
        """How many slots fall in ``(after, until]``, counting at most ``limit``."""
        count, iterator = 0, self._iter(after)
        while count < limit:
            slot: datetime = iterator.get_next(datetime)
            if slot > until:
                break
            count += 1
        return count

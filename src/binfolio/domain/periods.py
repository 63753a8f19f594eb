"""Report periods: presets (24h … all) and ``--since`` / ``--until`` dates, resolved in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from binfolio.errors import BinfolioError

PRESETS = ("24h", "7d", "30d", "90d", "ytd", "1y", "all")
_SPANS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "1y": timedelta(days=365),
}


class PeriodError(BinfolioError, ValueError):
    """A period that cannot be resolved (unknown preset, bad date, since after until)."""


@dataclass(frozen=True, slots=True)
class Period:
    """``since`` None means "from the first snapshot"."""

    since: datetime | None
    until: datetime


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse ``2026-11-22`` or an ISO-8601 time; naive times are UTC.

    A bare date means its midnight, or with ``end_of_day`` the next midnight, so that
    ``--until 2026-11-22`` includes that whole day.

    Raises:
        PeriodError: when the text is neither.
    """
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a date (2026-11-22) or ISO time") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def resolve(*, preset: str | None, since: str | None, until: str | None, now: datetime) -> Period:
    """Turn the CLI's period options into a :class:`Period`.

    Presets count back from ``until`` (default now); ``ytd`` starts on 1 January UTC of
    ``until``'s year; ``1y`` is 365 days.

    Raises:
        PeriodError: for an unknown preset, a preset together with ``since``, bad dates, or a
            ``since`` that is not before ``until``.
    """
    end = parse_moment(until, end_of_day=True) if until else now
    if preset is not None and since is not None:
        raise PeriodError("give --period or --since, not both")
    start: datetime | None
    if since is not None:
        start = parse_moment(since)
    elif preset is None or preset == "all":
        start = None
    elif preset == "ytd":
        start = datetime(end.year, 1, 1, tzinfo=UTC)
    elif preset in _SPANS:
        start = end - _SPANS[preset]
    else:
        raise PeriodError(f"unknown period {preset!r}; choose one of {', '.join(PRESETS)}")
    if start is not None and start >= end:
        raise PeriodError(f"since {start.isoformat()} is not before until {end.isoformat()}")
    return Period(start, end)

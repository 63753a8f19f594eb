"""Cell formatting shared by the CSV and Sheets exports.

- Money: plain decimal text, no exponent, no float on the way (``1E-8`` → ``0.00000001``);
  trailing zeros dropped, so both database engines give the same text for the same value.
- Times: UTC ISO 8601 ending in ``Z``.
- Text that a spreadsheet would run as a formula (first character ``= + - @``, or a tab or
  carriage return that some programs skip before one) gets a leading apostrophe, OWASP's advice
  against CSV injection (https://owasp.org/www-community/attacks/CSV_Injection). A cell that
  is a plain number (``-5.2``) is a value, not a formula, and is left alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from binfolio.domain.money import fmt

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet program."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def money(value: Decimal | None) -> str:
    """An exact decimal as plain text; empty for unknown (never ``0``)."""
    return "" if value is None else fmt(value)


def money_text(stored: str | Decimal | None) -> str:
    """Money as the database returned it (exact text on SQLite, ``Decimal`` from PostgreSQL).

    SQLite's text is already plain; only trailing zeros are dropped, without a ``Decimal``
    round trip (the CSV export reads 87,600 rows of these).
    """
    if stored is None:
        return ""
    if isinstance(stored, Decimal):
        return fmt(stored)
    if "." in stored:
        stored = stored.rstrip("0").rstrip(".")
    return "0" if stored in {"", "-0"} else stored


def iso_z(moment: datetime) -> str:
    """A UTC ISO 8601 time with ``Z``, to the microsecond when it has any.

    Raises:
        ValueError: for a naive datetime.
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: exports write UTC times only")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def time_text(stored: str | datetime | None) -> str:
    """A UTC time as the database returned it (see ``adapters/storage/bulk_read.py``) → ``…Z``.

    SQLite keeps ``2026-11-30 12:00:05.123456``; PostgreSQL's is formatted to
    ``2026-11-30T12:00:05.123456`` by the query; both are UTC already.
    """
    if stored is None:
        return ""
    if isinstance(stored, datetime):
        if stored.tzinfo is None:  # a reflected table's naive time: binfolio stores UTC
            stored = stored.replace(tzinfo=UTC)
        return iso_z(stored)
    return stored.replace(" ", "T", 1) + "Z"

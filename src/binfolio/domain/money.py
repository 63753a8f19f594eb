"""Money as exact decimals.

Binance sends every amount and price as a string; we parse those strings straight into
``Decimal`` and refuse floats, which would silently round (0.1 + 0.2 != 0.3).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from binfolio.errors import BinfolioError

ZERO = Decimal(0)
ONE = Decimal(1)


class MoneyParseError(BinfolioError, ValueError):
    """A value that should be a decimal number is not one."""


def to_decimal(value: str | int | Decimal, *, field: str = "value") -> Decimal:
    """Parse a Binance number (a string such as ``"0.00100000"``) into a ``Decimal``.

    Args:
        value: a decimal string, an int or a Decimal. Floats are refused.
        field: the field name, used in the error message.

    Raises:
        MoneyParseError: for floats, booleans, and strings that are not finite numbers.
    """
    if isinstance(value, bool | float):
        raise MoneyParseError(f"{field}: refusing {type(value).__name__} {value!r}; pass a string")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except (InvalidOperation, TypeError) as exc:
            raise MoneyParseError(f"{field}: {value!r} is not a decimal number") from exc
    if not result.is_finite():
        raise MoneyParseError(f"{field}: {value!r} is not a finite number")
    return result


# Money turned into text, by the one set of rules every output uses:
# - fmt: exact, for machines (JSON, CSV, Sheets, the database): ``"0.00000001"``;
# - cents / ratio_text: the report's rounded figures: ``"10250.40"``, ``"0.05"``;
# - shown: for people (terminal, alerts, dashboard): ``"10,250.40"``.
CENT = Decimal("0.01")
RATIO_QUANTUM = Decimal("1E-10")


def fmt(value: Decimal) -> str:
    """Format a decimal as a plain string without exponent (``1E-8`` → ``"0.00000001"``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def cents(value: Decimal) -> str:
    """``"10250.40"``: to the cent, banker's rounding, never ``"-0.00"``."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return format(rounded if rounded != 0 else abs(rounded), "f")


def ratio_text(value: Decimal) -> str:
    """``"0.05"``: a fraction to 10 decimals, trailing zeros dropped."""
    rounded = value.quantize(RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)
    return fmt(rounded) if rounded != 0 else "0"


def shown(value: Decimal | None, places: int = 2) -> str:
    """``"10,250.40"`` for people; ``"—"`` for an unknown value."""
    return "—" if value is None else f"{value:,.{places}f}"

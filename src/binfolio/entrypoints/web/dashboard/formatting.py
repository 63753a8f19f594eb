"""How the pages print numbers and times (Jinja filters); the API keeps the exact strings."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from jinja2 import Environment

from binfolio.domain.money import shown

DASH = shown(None)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def usdt(value: object, digits: int = 2) -> str:
    """``Decimal("12345.678")`` → ``"12,345.68"`` (a true minus sign, never ``-0.00``)."""
    number = _decimal(value)
    if number is not None:
        number = number.quantize(Decimal(10) ** -digits)
        number = abs(number) if number == 0 else number
    return shown(number, digits).replace("-", "−")


def signed_usdt(value: object) -> str:
    """``"+1,234.50"`` / ``"−12.00"``: money that is a difference."""
    number = _decimal(value)
    if number is None:
        return DASH
    return ("+" if number > 0 else "") + usdt(number)


def pct(value: object, digits: int = 2, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``"0.0324"`` → ``"3.24%"`` (``"+3.24%"`` when signed)."""
    number = _decimal(value)
    if number is None:
        return DASH
    scaled = (number * 100).quantize(Decimal(10) ** -digits)
    if scaled == 0:
        scaled = abs(scaled)  # never "-0.00%"
    text = f"{scaled:,.{digits}f}%"
    return ("+" if signed and scaled > 0 else "") + text.replace("-", "−")


def signed_pct(value: object) -> str:
    """A fraction as a signed percentage."""
    return pct(value, signed=True)


def ratio(value: object, digits: int = 2) -> str:
    """A plain number (Sharpe): ``"1.2345"`` → ``"1.23"``."""
    number = _decimal(value)
    return DASH if number is None else f"{number:.{digits}f}".replace("-", "−")


def amount(value: object) -> str:
    """A coin amount: up to 8 decimals, trailing zeros dropped, thousands grouped."""
    number = _decimal(value)
    if number is None:
        return DASH
    text = f"{number:,.8f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def tone(value: object) -> str:
    """CSS class of a difference: ``up``, ``down`` or ``flat``."""
    number = _decimal(value)
    if number is None or number == 0:
        return "flat"
    return "up" if number > 0 else "down"


def when(moment: datetime | None) -> str:
    """``2026-11-22 10:00 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else DASH


def ago(moment: datetime | None, now: datetime) -> str:
    """``"5 min ago"``, ``"3 h ago"``, ``"2 d ago"``."""
    if moment is None:
        return "never"
    age = now - moment
    if age < timedelta(minutes=1):
        return "just now"
    if age < timedelta(hours=1):
        return f"{age // timedelta(minutes=1)} min ago"
    if age < timedelta(days=2):
        return f"{age // timedelta(hours=1)} h ago"
    return f"{age // timedelta(days=1)} d ago"


def duration(ms: int | None) -> str:
    """``1234`` → ``"1.23 s"``; ``85000`` → ``"1 min 25 s"``."""
    if ms is None:
        return DASH
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(ms // 1000, 60)
    return f"{minutes} min {seconds} s"


def install(environment: Environment) -> None:
    """Register the filters, and ``dash`` (what an unknown value shows), on a Jinja environment."""
    environment.globals["dash"] = DASH
    environment.filters.update(
        usdt=usdt,
        signed_usdt=signed_usdt,
        pct=pct,
        signed_pct=signed_pct,
        ratio=ratio,
        amount=amount,
        tone=tone,
        when=when,
        ago=ago,
        duration=duration,
    )

"""Settings of one simulator instance, given to ``create_app`` (never read at import time)."""

from __future__ import annotations

from dataclasses import dataclass, field

SCENARIOS = ("steady", "bull", "bear", "crash", "sideways")


@dataclass
class Limits:
    """Request-weight budgets per pool and minute, and the ban rule.

    Defaults are Binance's documented values (docs/binance.md, "Limits and pools"); tests lower
    them to reach a 429 quickly. Each pool counts per fixed wall-clock minute, as Binance does.
    """

    api_weight_1m: int = 6000
    """``/api/*`` REQUEST_WEIGHT per IP."""
    sapi_ip_weight_1m: int = 12000
    """``/sapi/*`` IP-weighted endpoints, per IP and per endpoint."""
    sapi_uid_weight_1m: int = 180000
    """``/sapi/*`` UID-weighted endpoints, per account and per endpoint."""
    fapi_weight_1m: int = 2400
    """``/fapi/*`` REQUEST_WEIGHT per IP."""
    orders_10s: int = 100
    """Spot ORDERS per account per 10 seconds."""
    orders_1d: int = 200000
    """Spot ORDERS per account per day."""
    ban_after_429s: int = 3
    """A client that receives this many 429s in one minute and keeps going is banned (418)."""
    ban_seconds: int = 120
    """Length of an IP ban; Binance starts at 2 minutes."""


@dataclass
class SimulatorConfig:
    """How a simulator starts. All fields have demo-friendly defaults.

    Attributes:
        scenario: one of ``SCENARIOS``; shapes the seeded price paths.
        seed: the same seed and start give the same prices.
        speed: simulated milliseconds per wall millisecond (0 freezes the market clock).
        start_ms: the simulated time at start (default: the wall clock now).
        limits: weight budgets per pool.
        request_log_size: how many requests the admin log keeps (oldest dropped first).
        taker_fee: fee rate charged on fills, in the received asset.
    """

    scenario: str = "steady"
    seed: int = 1
    speed: float = 1.0
    start_ms: int | None = None
    limits: Limits = field(default_factory=Limits)
    request_log_size: int = 10000
    taker_fee: str = "0.001"

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(
                f"scenario {self.scenario!r} is unknown; choose one of {', '.join(SCENARIOS)}"
            )
        if self.speed < 0:
            raise ValueError(f"speed {self.speed} is negative; use 0 to freeze the clock")

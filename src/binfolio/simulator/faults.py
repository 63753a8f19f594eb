"""Injected faults: latency, error rates, forced statuses, 429/418 and timeouts, per endpoint.

Rules are set through ``POST /_sim/faults``. A rule applies to one path, a path prefix (ending in
``/`` or ``*``) or every Binance path; ``times`` limits how often it fires (for "fail once, then
succeed" retry tests). Random error rates use a seeded generator, so a run repeats.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass

from binfolio.simulator import errors

_STATUS_BODIES: dict[int, tuple[int, str]] = {
    500: (-1001, "Internal error; unable to process your request. Please try again."),
    502: (-1001, "Internal error; unable to process your request. Please try again."),
    503: (
        -1008,
        "Server is currently overloaded with other requests. Please try again in a few minutes.",
    ),
    504: (
        -1007,
        "Timeout waiting for response from backend server. "
        "Send status unknown; execution status unknown.",
    ),
}


@dataclass
class FaultRule:
    """One fault. See the module docstring for matching."""

    endpoint: str | None = None
    method: str | None = None
    latency_ms: int = 0
    error_rate: float | None = None
    status: int | None = None
    code: int | None = None
    msg: str | None = None
    timeout: bool = False
    timeout_ms: int = 30000
    retry_after: int = 60
    times: int | None = None
    # Process the request first, then answer with the fault (or hang): an order is placed but
    # its answer is lost, as with Binance's -1007 "execution status unknown".
    after_processing: bool = False

    def __post_init__(self) -> None:
        if self.error_rate is None:
            self.error_rate = 1.0 if self.status is not None or self.timeout else 0.0
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate {self.error_rate} must be between 0 and 1")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"status {self.status} must be an HTTP error status (400-599)")
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule covers this request."""
        if self.method is not None and self.method != method:
            return False
        if self.endpoint is None:
            return True
        if self.endpoint.endswith(("*", "/")):
            return path.startswith(self.endpoint.rstrip("*"))
        return path == self.endpoint

    def error(self) -> errors.BinanceErrorReply:
        """The answer this rule forces."""
        status = self.status or (504 if self.timeout else 500)
        if status == 429:
            failure = errors.too_much_weight(6000, self.retry_after)
        elif status == 418:
            failure = errors.banned(0, self.retry_after)
        else:
            code, msg = _STATUS_BODIES.get(
                status, (-1000, "An unknown error occurred while processing the request.")
            )
            failure = errors.BinanceErrorReply(status, code, msg)
        if self.code is not None:
            failure.code = self.code
        if self.msg is not None:
            failure.msg = self.msg
        return failure


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request."""

    latency_ms: int = 0
    hang_ms: int = 0
    failure: errors.BinanceErrorReply | None = None
    after_processing: bool = False


class FaultInjector:
    """The active rules and the seeded dice."""

    def __init__(self, seed: int) -> None:
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.active = False

    def rules(self) -> list[dict[str, object]]:
        """The active rules, as JSON-ready dicts."""
        return [asdict(rule) for rule in self._rules]

    def add(self, rule: FaultRule) -> None:
        """Add a rule."""
        with self._lock:
            self._rules.append(rule)
            self.active = True

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()
            self.active = False

    def decide(self, method: str, path: str) -> FaultDecision:
        """Roll the dice for one request; rules whose ``times`` ran out are dropped."""
        latency_ms = 0
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                latency_ms += rule.latency_ms
                fires = bool(rule.error_rate) and self._random.random() < (rule.error_rate or 0.0)
                if rule.times is not None and (fires or not rule.error_rate):
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                if fires:
                    self.active = bool(self._rules)
                    hang_ms = rule.timeout_ms if rule.timeout else 0
                    return FaultDecision(latency_ms, hang_ms, rule.error(), rule.after_processing)
            self.active = bool(self._rules)
        return FaultDecision(latency_ms)

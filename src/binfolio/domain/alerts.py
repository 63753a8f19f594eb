"""Alerts: which conditions hold after a run, and when to tell the user (pure).

Each rule is a small function of plain inputs that returns a :class:`Condition` (it holds, or it
does not) or ``None`` when it cannot be told this time (a figure is missing, a deposit is not
valued yet): then the stored state is left as it was. :func:`advance` is the state machine that
turns conditions into notices: a condition alerts once when it starts to hold, and again only
after it has cleared (docs/alerts.md). The circuit breaker's "open" is a condition like the
others; its clearing is the "circuit closed" notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import accumulate
from operator import mul

from binfolio.domain.money import ONE, shown

HUNDRED = Decimal(100)
RUN_SCOPE = "*"
"""The account name of conditions about a whole run (the run itself could not be made)."""


class AlertKind(StrEnum):
    """What an alert is about; each has its switch in ``[alerts.kinds]``."""

    RUN_FAILED = "run_failed"
    CIRCUIT_OPEN = "circuit_open"
    CIRCUIT_CLOSED = "circuit_closed"
    NAV_CHANGE = "nav_change"
    DRAWDOWN = "drawdown"
    TRAILING_BENCHMARK = "trailing_benchmark"
    UNPRICED = "unpriced"
    STALE = "stale"
    KEY_PERMISSIONS = "key_permissions"


class Severity(StrEnum):
    """How a notice is shown; the values are apprise's notification types."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    FAILURE = "failure"


SEVERITY: Mapping[AlertKind, Severity] = {
    AlertKind.RUN_FAILED: Severity.FAILURE,
    AlertKind.CIRCUIT_OPEN: Severity.FAILURE,
    AlertKind.CIRCUIT_CLOSED: Severity.SUCCESS,
    AlertKind.NAV_CHANGE: Severity.WARNING,
    AlertKind.DRAWDOWN: Severity.WARNING,
    AlertKind.TRAILING_BENCHMARK: Severity.WARNING,
    AlertKind.UNPRICED: Severity.WARNING,
    AlertKind.STALE: Severity.FAILURE,
    AlertKind.KEY_PERMISSIONS: Severity.FAILURE,
}

TITLES: Mapping[AlertKind, str] = {
    AlertKind.RUN_FAILED: "snapshot failed",
    AlertKind.CIRCUIT_OPEN: "account paused after repeated failures",
    AlertKind.CIRCUIT_CLOSED: "paused account collects again",
    AlertKind.NAV_CHANGE: "large NAV change",
    AlertKind.DRAWDOWN: "drawdown",
    AlertKind.TRAILING_BENCHMARK: "trailing the benchmark",
    AlertKind.UNPRICED: "unpriced assets",
    AlertKind.STALE: "no recent complete snapshot",
    AlertKind.KEY_PERMISSIONS: "API key permissions",
}


@dataclass(frozen=True)
class Condition:
    """Whether ``kind`` holds for ``account`` now; ``observed`` is kept for the next check."""

    account: str
    kind: AlertKind
    holds: bool
    detail: str = ""
    observed: Mapping[str, object] | None = None


@dataclass(frozen=True)
class AlertState:
    """The stored state of one (account, kind).

    ``since`` is when it last became active or cleared; ``last_sent_at`` when its last notice
    was handed to the notifier.
    """

    account: str
    kind: AlertKind
    active: bool = False
    since: datetime | None = None
    last_sent_at: datetime | None = None
    detail: str = ""
    observed: Mapping[str, object] | None = field(default=None, compare=False)


class Change(StrEnum):
    """What a condition did to its state."""

    RAISED = "raised"
    CLEARED = "cleared"
    NONE = "none"


@dataclass(frozen=True)
class Step:
    """The new state and the change that leads to a notice (raised) or a recovery (cleared)."""

    state: AlertState
    change: Change


def advance(previous: AlertState | None, condition: Condition, now: datetime) -> Step:
    """Apply a condition to its state: alert once when it starts to hold, again after clearing.

    ``last_sent_at`` records when the raise was handed to the notifier; the caller sends.
    """
    state = previous or AlertState(condition.account, condition.kind)
    observed = condition.observed if condition.observed is not None else state.observed
    if condition.holds and not state.active:
        raised = AlertState(
            condition.account, condition.kind, True, now, now, condition.detail, observed
        )
        return Step(raised, Change.RAISED)
    if not condition.holds and state.active:
        cleared = replace(state, active=False, since=now, detail=condition.detail)
        return Step(replace(cleared, observed=observed), Change.CLEARED)
    # Still holding (or still clear): the detail may change, the notice is not repeated.
    return Step(replace(state, detail=condition.detail, observed=observed), Change.NONE)


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """The ``[alerts]`` thresholds, in percent (10 = 10 %), and the stale limit as a duration."""

    nav_change_pct: Decimal = Decimal(10)
    drawdown_pct: Decimal = Decimal(20)
    trail_benchmark_pct: Decimal = Decimal(10)
    trail_days: int = 7
    stale_after: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class NavMove:
    """The last interval between two complete snapshots, net of deposits and withdrawals."""

    from_nav_usdt: Decimal
    to_nav_usdt: Decimal
    net_flows_usdt: Decimal
    change_pct: Decimal | None  # a fraction (0.1 = 10 %); None without capital
    pending_flows: int


def run_failed(account: str, status: str, errors: Sequence[str]) -> Condition:
    """The account's snapshot failed in this run (a partial one did not)."""
    detail = "; ".join(errors) if errors else "no reason given"
    return Condition(account, AlertKind.RUN_FAILED, status == "failed", detail)


def nav_change(account: str, move: NavMove | None, limit_pct: Decimal) -> Condition | None:
    """NAV moved more than ``limit_pct`` between the last two complete snapshots, flows removed.

    Unknown while a flow in the interval has no value yet: it may explain the move (the seed
    Logger's "large change" alert fired on every deposit).
    """
    if move is None or move.pending_flows or move.change_pct is None:
        return None
    pct = move.change_pct * HUNDRED
    detail = (
        f"NAV {_usdt(move.from_nav_usdt)} → {_usdt(move.to_nav_usdt)} USDT, net flows "
        f"{_usdt(move.net_flows_usdt)}: {_pct(pct)} (limit ±{_pct(limit_pct)})"
    )
    return Condition(account, AlertKind.NAV_CHANGE, abs(pct) > limit_pct, detail)


def current_drawdown(returns: Iterable[Decimal]) -> Decimal:
    """How far the TWR index of these interval returns ends below its peak (0.2 = 20 %)."""
    peak = last = ONE
    for last in accumulate(map(ONE.__add__, returns), mul):
        peak = max(peak, last)
    return ONE - last / peak


def drawdown(
    account: str, returns: Sequence[Decimal] | None, limit_pct: Decimal
) -> Condition | None:
    """The account's TWR index is more than ``limit_pct`` below its peak of the window."""
    if not returns:
        return None
    pct = current_drawdown(returns) * HUNDRED
    detail = f"{_pct(pct)} below the peak (limit {_pct(limit_pct)})"
    return Condition(account, AlertKind.DRAWDOWN, pct > limit_pct, detail)


def trailing_benchmark(
    account: str,
    twr: Decimal | None,
    benchmark_twr: Decimal | None,
    limit_pct: Decimal,
    days: int,
) -> Condition | None:
    """The account's TWR trails its benchmark's by more than ``limit_pct`` points in the window."""
    if twr is None or benchmark_twr is None:
        return None
    gap = (benchmark_twr - twr) * HUNDRED
    detail = (
        f"{days} d: account {_pct(twr * HUNDRED)}, benchmark {_pct(benchmark_twr * HUNDRED)} "
        f"(limit {_pct(limit_pct)} behind)"
    )
    return Condition(account, AlertKind.TRAILING_BENCHMARK, gap > limit_pct, detail)


def unpriced(account: str, assets: Sequence[str]) -> Condition:
    """The latest snapshot holds assets that no price path could value (counted as 0)."""
    detail = ", ".join(sorted(assets)) if assets else "every asset priced"
    return Condition(account, AlertKind.UNPRICED, bool(assets), detail)


def stale(
    account: str,
    last_complete_at: datetime | None,
    known_since: datetime,
    now: datetime,
    stale_after: timedelta,
) -> Condition:
    """No complete snapshot for longer than ``stale_after`` (an account never complete counts
    from when it was first seen)."""
    reference = last_complete_at or known_since
    age = now - reference
    if last_complete_at is None:
        detail = f"no complete snapshot since the account was added {_age(age)} ago"
    else:
        detail = f"last complete snapshot {_age(age)} ago ({last_complete_at:%Y-%m-%d %H:%M} UTC)"
    return Condition(account, AlertKind.STALE, age > stale_after, detail)


def key_permissions(
    account: str, flags: Mapping[str, object], previous: Mapping[str, object] | None
) -> Condition:
    """The key may withdraw, or its switches differ from the last check.

    A change is an event: it holds at the check that sees it and clears at the next check with
    the same switches, so a later change alerts again.
    """
    now_flags = _switches(flags)
    problems: list[str] = []
    if now_flags.get("enableWithdrawals"):
        problems.append("withdrawals are enabled: untick 'Enable Withdrawals' on Binance")
    if previous is not None:
        before = _switches(previous)
        changed = sorted(
            key
            for key in now_flags.keys() | before.keys()
            if now_flags.get(key, False) != before.get(key, False)
        )
        problems.extend(
            f"{key} {_on(now_flags.get(key, False))} (was {_on(before.get(key, False))})"
            for key in changed
        )
    detail = "; ".join(problems) if problems else "unchanged, read-only"
    return Condition(account, AlertKind.KEY_PERMISSIONS, bool(problems), detail, now_flags)


def circuit_open(account: str, is_open: bool, detail: str) -> Condition:
    """The account is paused by its circuit breaker; clearing is the "collects again" notice."""
    return Condition(account, AlertKind.CIRCUIT_OPEN, is_open, detail)


def _switches(flags: Mapping[str, object]) -> dict[str, bool]:
    # Only the switches are compared: apiRestrictions also answers timestamps (createTime,
    # tradingAuthorityExpirationTime), and we keep when we checked beside them.
    return {key: value for key, value in flags.items() if isinstance(value, bool)}


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _pct(value: Decimal) -> str:
    return f"{value:.1f} %"


def _usdt(value: Decimal) -> str:
    return shown(value)


def _age(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"

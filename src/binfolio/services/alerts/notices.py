"""Steps of the alert states turned into notices: one per kind and run, naming every account.

When Binance is down every account fails at once; one "snapshot failed: 150 accounts" is a
notice, 150 e-mails are noise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from binfolio.domain.alerts import SEVERITY, TITLES, AlertKind, Change, Severity, Step

# Lines per notice: a chat message or an e-mail subject line is not a report.
MAX_LINES = 25


@dataclass(frozen=True)
class Notice:
    """One message to every receiver."""

    kind: AlertKind
    title: str
    body: str
    severity: Severity
    accounts: tuple[str, ...]


def compose(steps: Sequence[Step], enabled: Collection[AlertKind]) -> list[Notice]:
    """The notices of a run's steps: raised conditions, and paused accounts that recovered."""
    lines: dict[AlertKind, list[tuple[str, str]]] = defaultdict(list)
    for step in steps:
        state = step.state
        if step.change is Change.RAISED and state.kind in enabled:
            lines[state.kind].append((state.account, state.detail))
        elif (
            step.change is Change.CLEARED
            and state.kind is AlertKind.CIRCUIT_OPEN
            and AlertKind.CIRCUIT_CLOSED in enabled
        ):
            lines[AlertKind.CIRCUIT_CLOSED].append((state.account, state.detail))
    notices = []
    for kind in AlertKind:  # a stable order: failures first, as the enum lists them
        if kind not in lines:
            continue
        entries = sorted(lines[kind])
        accounts = tuple(account for account, _ in entries)
        who = accounts[0] if len(accounts) == 1 else f"{len(accounts)} accounts"
        body = [f"{account}: {detail}" for account, detail in entries[:MAX_LINES]]
        if len(entries) > MAX_LINES:
            body.append(f"… and {len(entries) - MAX_LINES} more")
        notices.append(
            Notice(
                kind, f"binfolio: {TITLES[kind]} ({who})", "\n".join(body), SEVERITY[kind], accounts
            )
        )
    return notices

"""A progress bar for long runs: accounts done of all, and waits on Binance's limits as such.

Shown only on a terminal (a cron job's log gets the summary alone). While requests sleep on a
weight limit, the bar says which one, so that a run of hundreds of accounts that pauses for a
minute reads as Binance's limit at work, not as a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from binfolio.services.collect.results import AccountResult
    from binfolio.services.ports import Exchange

# How often the bar looks at the limiter (a cheap dictionary read).
_REFRESH_S = 0.25


class RunProgress:
    """``with RunProgress(console, total, exchange) as bar: ... on_account=bar.account_done``."""

    def __init__(
        self, console: Console, total: int, exchange: Exchange, *, enabled: bool = True
    ) -> None:
        self._exchange = exchange
        self._enabled = enabled and console.is_terminal
        self._progress = Progress(
            TextColumn("[bold]snapshot[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("accounts"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("accounts", total=total, note="")
        self._watcher: asyncio.Task[None] | None = None

    def account_done(self, result: AccountResult) -> None:
        """Advance by one account (the collector's ``on_account`` hook)."""
        if self._enabled:
            self._progress.advance(self._task)

    def __enter__(self) -> RunProgress:
        if self._enabled:
            self._progress.start()
            self._watcher = asyncio.get_running_loop().create_task(self._watch_limits())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if self._enabled:
            self._progress.stop()

    async def _watch_limits(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                waiting = self._exchange.waiting_on()
                note = (
                    f"[cyan]waiting for Binance's limit: {', '.join(waiting)}[/]" if waiting else ""
                )
                self._progress.update(self._task, note=note)
                await asyncio.sleep(_REFRESH_S)

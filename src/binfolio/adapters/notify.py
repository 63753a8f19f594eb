"""Alerts out through apprise (https://github.com/caronc/apprise/wiki): one URL per receiver.

:meth:`Notifier.send` only puts the notice on a bounded queue, so it never blocks and never
raises: a receiver that hangs or refuses must not delay or fail the run the notice is about.
Each receiver has its own queue and daemon thread, so a dead SMTP server does not hold up the
chat message either; every attempt is bounded by ``timeout_s`` (apprise's connect and read
timeouts). A full queue drops the notice with a log line: a receiver down for hours must not
grow memory without bound.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from binfolio.errors import BinfolioError

log = logging.getLogger(__name__)

KINDS = frozenset({"info", "success", "warning", "failure"})
"""apprise's notification types; anything else is sent as ``info``."""


class NotifierConfigError(BinfolioError, ValueError):
    """An alert URL that apprise does not understand (names the scheme, never the secret)."""


@dataclass(frozen=True)
class _Notice:
    title: str
    body: str
    kind: str


class _Receiver:
    """One apprise URL: a bounded queue and the daemon thread that sends from it."""

    def __init__(
        self, url: str, queue_size: int, timeout_s: float, min_interval_s: float | None
    ) -> None:
        import apprise  # imported on use: commands that never alert do not pay for it

        plugin: Any = apprise.Apprise.instantiate(url)
        if plugin is None:
            scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
            raise NotifierConfigError(
                f"alerts.urls: apprise does not understand a {scheme}:// URL; see "
                "https://github.com/caronc/apprise/wiki for the URL of each service"
            )
        # Never wait longer than we allow, whatever the service's own default (SMTP: 15 s).
        plugin.socket_connect_timeout = min(plugin.socket_connect_timeout, timeout_s)
        plugin.socket_read_timeout = min(plugin.socket_read_timeout, timeout_s)
        if min_interval_s is not None:
            # apprise spaces messages to one service (5.5 s for most); tests need none.
            plugin.request_rate_per_sec = min_interval_s
        self.name: str = plugin.url(privacy=True).split("?", 1)[0]
        self._apprise = apprise.Apprise()
        self._apprise.add(plugin)
        self._queue: queue.Queue[_Notice | None] = queue.Queue(maxsize=queue_size)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = self.failed = self.dropped = 0

    def put(self, notice: _Notice) -> bool:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name=f"binfolio-notify {self.name}", daemon=True
                )
                self._thread.start()
        with self._idle:
            try:
                self._queue.put_nowait(notice)
            except queue.Full:
                self.dropped += 1
                log.warning(
                    "alert to %s dropped: %d notices still queued", self.name, self._queue.qsize()
                )
                return False
            self._pending += 1
        return True

    def wait_idle(self, deadline: float) -> bool:
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def stop(self) -> None:
        if self._thread is not None:
            # A full queue means a thread stuck on a dead receiver; as a daemon it ends with us.
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)

    def _work(self) -> None:
        while (notice := self._queue.get()) is not None:
            try:
                ok = bool(
                    self._apprise.notify(
                        body=notice.body, title=notice.title, notify_type=notice.kind
                    )
                )
            except Exception:  # a plugin bug must not kill the thread: the next notice may pass
                log.exception("alert to %s failed", self.name)
                ok = False
            if ok:
                self.sent += 1
            else:
                self.failed += 1
                log.warning("alert %r not delivered to %s", notice.title, self.name)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


class Notifier:
    """Sends each notice to every configured apprise URL, off the caller's path."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        queue_size: int = 100,
        timeout_s: float = 10.0,
        min_interval_s: float | None = None,
    ) -> None:
        """Check every URL now, so that a typo fails at start, not at the first alert.

        Args:
            urls: apprise URLs, one per receiver.
            queue_size: notices a receiver may have waiting; more are dropped.
            timeout_s: the longest connect or read wait of one attempt.
            min_interval_s: seconds between two messages to one receiver; None keeps
                apprise's pacing of each service.

        Raises:
            NotifierConfigError: for a URL apprise does not understand.
        """
        self._receivers = [_Receiver(url, queue_size, timeout_s, min_interval_s) for url in urls]

    @property
    def receivers(self) -> list[str]:
        """Each receiver's URL with its secrets masked, for logs and ``doctor``."""
        return [receiver.name for receiver in self._receivers]

    @property
    def counts(self) -> dict[str, int]:
        """Notices sent, failed and dropped, over all receivers."""
        return {
            "sent": sum(r.sent for r in self._receivers),
            "failed": sum(r.failed for r in self._receivers),
            "dropped": sum(r.dropped for r in self._receivers),
        }

    def send(self, title: str, body: str, kind: str = "info") -> bool:
        """Queue the notice for every receiver; True when at least one took it. Never blocks."""
        notice = _Notice(title, body, kind if kind in KINDS else "info")
        accepted = [receiver.put(notice) for receiver in self._receivers]
        return any(accepted)

    def flush(self, timeout_s: float) -> bool:
        """Wait until every queued notice was tried; False when ``timeout_s`` ran out first."""
        deadline = time.monotonic() + timeout_s
        return all(receiver.wait_idle(deadline) for receiver in self._receivers)

    def close(self, timeout_s: float = 5.0) -> None:
        """Give queued notices up to ``timeout_s`` to go out, then stop the threads."""
        self.flush(timeout_s)
        for receiver in self._receivers:
            receiver.stop()

"""A uvicorn server that runs inside a process which owns its signals (`serve`, the demo)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

# Open dashboard pages hold server-sent event streams that never end by themselves: past this,
# a stopping server closes them instead of waiting for the browser to leave.
GRACEFUL_SHUTDOWN_S = 3


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its own SIGINT/SIGTERM handling: the process stops every part itself
    (the run under way first), and uvicorn would re-raise the signal after its shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def embedded_server(app: FastAPI, host: str, port: int) -> EmbeddedServer:
    """A server for ``app`` on ``host:port``; binfolio's logging, no access log."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return EmbeddedServer(config)

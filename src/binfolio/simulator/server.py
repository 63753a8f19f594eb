"""Run a simulator app with uvicorn on a socket bound up front, so its URL is known at once.

Used by ``binfolio simulator`` (foreground) and by ``testing.running_simulator`` (a thread).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one).

    Raises:
        OSError: when the address is taken or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(app: FastAPI, log_level: str = "warning") -> uvicorn.Server:
    """A quiet uvicorn server for ``app`` (no access log: the admin request log is the record)."""
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    return uvicorn.Server(config)


class BackgroundServer:
    """A uvicorn server on its own thread; ``stop()`` shuts it down cleanly."""

    def __init__(self, app: FastAPI, sock: socket.socket) -> None:
        self.server = make_server(app)
        self._sock = sock
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [sock]},
            name="binfolio-simulator",
            daemon=True,
        )

    def start(self, timeout_s: float = 10.0) -> None:
        """Start serving and wait until uvicorn is ready.

        Raises:
            RuntimeError: when the server does not start within ``timeout_s``.
        """
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start; see the log above")
            time.sleep(0.005)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for the thread and close the socket."""
        self.server.should_exit = True
        self._thread.join(timeout_s)
        self._sock.close()

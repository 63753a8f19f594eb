"""Local alert receivers: a JSON webhook on 127.0.0.1 and an SMTP server (aiosmtpd), each in a
thread, recording what arrives; the webhook can be told to hang."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

T = TypeVar("T")


@dataclass
class JsonReceiver:
    """apprise's ``json://`` posts ``{"title", "message", "type", ...}``; these are kept."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    hang: bool = False

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        return _wait(lambda: len(self.received) >= count, timeout_s, lambda: self.received)

    def titles(self) -> list[str]:
        return [message["title"] for message in self.received]


@contextmanager
def json_receiver() -> Iterator[JsonReceiver]:
    """A webhook on 127.0.0.1; ``receiver.hang = True`` holds each request until released."""
    receiver: JsonReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            if receiver.hang:
                receiver.release.wait(30)
            receiver.received.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = JsonReceiver(f"json://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    """Mail that arrived, parsed."""

    url: str
    received: list[Message] = field(default_factory=list)

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Message]:
        return _wait(lambda: len(self.received) >= count, timeout_s, lambda: self.received)

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.received]


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """An SMTP server on 127.0.0.1 without TLS or login, as a local relay would be."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver = SmtpReceiver(
        f"mailto://127.0.0.1:{port}?from=binfolio@example.com&to=ops@example.com&mode=insecure"
    )

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            receiver.received.append(message_from_bytes(envelope.original_content))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


def _wait(done: Callable[[], bool], timeout_s: float, value: Callable[[], T]) -> T:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
    return value()

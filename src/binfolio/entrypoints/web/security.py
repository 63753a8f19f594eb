"""What every binfolio web server shares to be safe by default.

- :func:`require_token_off_loopback`: a server bound beyond this host must have a token.
- :class:`SecurityHeadersMiddleware`: a Content-Security-Policy without inline scripts,
  ``X-Content-Type-Options: nosniff``, ``frame-ancestors 'none'`` and friends on every response.
- :class:`LoopbackHostMiddleware`: without a token, only requests addressed to a loopback name
  are served, so that a web page cannot reach the server through DNS rebinding (a hostile
  name that resolves to 127.0.0.1 would otherwise read it from the victim's browser).
- :class:`TokenAuth`: a dependency accepting ``Authorization: Bearer <token>`` or HTTP basic
  auth with the token as the password (what a browser prompts for); no token, no check.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Iterable

from fastapi import HTTPException, Request, status
from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from binfolio.errors import BinfolioError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

# 'self' only: no inline script or style element, no eval, nothing from another host.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class InsecureBindError(BinfolioError, ValueError):
    """A server would listen beyond this host without a token."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def require_token_off_loopback(host: str, token: SecretStr | None, *, key: str) -> None:
    """Refuse to serve beyond this host without a token.

    Args:
        host: the bind address.
        token: the configured token, if any.
        key: the config key that holds the token, named in the error (``dashboard.token``).

    Raises:
        InsecureBindError: when ``host`` is not loopback and no token is set.
    """
    if is_loopback(host) or (token is not None and token.get_secret_value()):
        return
    raise InsecureBindError(
        f"refusing to listen on {host} without {key}: anyone who can reach this host could "
        f"read it. Set {key} (BINFOLIO_{key.upper().replace('.', '__')}) or bind 127.0.0.1"
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI, streams untouched)."""

    def __init__(self, app: ASGIApp, *, csp: str = DEFAULT_CSP) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoopbackHostMiddleware:
    """Answers 400 to requests whose ``Host`` is not one of ``allowed`` (rebinding guard)."""

    def __init__(self, app: ASGIApp, *, allowed: Iterable[str] = LOOPBACK_NAMES) -> None:
        self.app = app
        self.allowed = frozenset(name.strip("[]").lower() for name in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        host = _host_name(Headers(scope=scope).get("host", ""))
        if host in self.allowed:
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(
            f"unknown host {host!r}: this server answers only to 127.0.0.1 and localhost "
            "(set a token to serve other names)",
            status_code=status.HTTP_400_BAD_REQUEST,
        )
        await response(scope, receive, send)


def _host_name(header: str) -> str:
    """``127.0.0.1:8000`` → ``127.0.0.1``; ``[::1]:8000`` → ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class TokenAuth:
    """A dependency: the request must carry the token (Bearer, or basic-auth password).

    With no token configured it lets every request through: the server is then bound to
    loopback (see :func:`require_token_off_loopback`).
    """

    def __init__(self, token: SecretStr | None, *, realm: str = "binfolio") -> None:
        value = token.get_secret_value() if token is not None else ""
        self._token = value.encode() if value else None
        self._realm = realm

    @property
    def enabled(self) -> bool:
        """True when requests must carry the token."""
        return self._token is not None

    def __call__(self, request: Request) -> None:
        """Raises: HTTPException 401 (with a basic-auth challenge) when the token is wrong."""
        if self._token is None:
            return
        offered = _offered_secret(request.headers.get("authorization", ""))
        if offered is not None and hmac.compare_digest(offered, self._token):
            return
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="this dashboard needs its token: Authorization: Bearer <token>, or sign in "
            "with any user name and the token as the password",
            headers={"WWW-Authenticate": f'Basic realm="{self._realm}", charset="UTF-8"'},
        )


def _offered_secret(header: str) -> bytes | None:
    scheme, _, credentials = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return credentials.strip().encode()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
        _, separator, password = decoded.partition(b":")
        return password if separator else None
    return None

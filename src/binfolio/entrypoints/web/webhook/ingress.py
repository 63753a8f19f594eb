"""Who may post, and how much: the body cap, the secret, and the optional IP allowlist.

The allowlist looks at the socket peer. ``X-Forwarded-For`` is believed only when the peer is
one of ``webhook.trusted_proxies`` (your own reverse proxy), and then the client is the right-most
address in it that is not a trusted proxy: anything further left was written by the client and
proves nothing. Run the server without uvicorn's ``--proxy-headers`` so that the peer is real.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from starlette.requests import Request

# TradingView's published webhook source addresses (tradingview.com/support/solutions/43000529348).
TRADINGVIEW_IPS = ("52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7")
TRADINGVIEW = "tradingview"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BodyTooLarge(Exception):
    """The request body is over the cap."""


def networks(entries: Iterable[str]) -> tuple[IpNetwork, ...]:
    """Parse addresses and networks; ``tradingview`` stands for TradingView's four addresses.

    Raises:
        ValueError: naming the entry that is neither.
    """
    parsed: list[IpNetwork] = []
    for entry in entries:
        values = TRADINGVIEW_IPS if entry.strip().lower() == TRADINGVIEW else (entry.strip(),)
        for value in values:
            try:
                parsed.append(ipaddress.ip_network(value, strict=False))
            except ValueError as exc:
                raise ValueError(f"{entry!r} is not an IP address or network") from exc
    return tuple(parsed)


def _inside(address: str, nets: tuple[IpNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in nets)


@dataclass(frozen=True)
class WebhookOptions:
    """The ingress settings (``[webhook]`` and the default trade size)."""

    secret: str
    default_amount_usdt: Decimal = Decimal(10)
    max_body_bytes: int = 16384
    allowed: tuple[IpNetwork, ...] = field(default_factory=tuple)
    trusted_proxies: tuple[IpNetwork, ...] = field(default_factory=tuple)

    def client_address(self, request: Request) -> str:
        """The caller: the socket peer, or what a trusted proxy says it forwarded for."""
        peer = request.client.host if request.client else ""
        if not self.trusted_proxies or not _inside(peer, self.trusted_proxies):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(hops):
            if not _inside(hop, self.trusted_proxies):
                return hop
        return peer

    def allows(self, request: Request) -> bool:
        """Whether the caller's address is allowed (always, without an allowlist)."""
        return not self.allowed or _inside(self.client_address(request), self.allowed)

    def authorised(self, body_secret: object, authorization: str | None) -> bool:
        """The secret from the body or ``Authorization: Bearer``, compared in constant time."""
        expected = self.secret.encode()
        if isinstance(body_secret, str) and hmac.compare_digest(body_secret.encode(), expected):
            return True
        if authorization and authorization[:7].lower() == "bearer ":
            return hmac.compare_digest(authorization[7:].strip().encode(), expected)
        return False


async def read_capped(request: Request, limit: int) -> bytes:
    """The raw body, whatever its content type.

    Raises:
        BodyTooLarge: as soon as more than ``limit`` bytes are announced or arrive.
    """
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)

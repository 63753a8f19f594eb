"""Binance's error answers: ``{"code": <negative int>, "msg": "..."}`` with its HTTP status.

This is what the fake *server* answers, not the client's ``binfolio.adapters.binance.errors``
(which reads such answers). Codes, messages and statuses are Binance's own, as listed in
docs/binance.md ("Errors"). Handlers raise ``BinanceErrorReply``; the dispatcher turns it into
the response.
"""

from __future__ import annotations


class BinanceErrorReply(Exception):
    """An error answer: HTTP status, Binance code and message, and extra headers."""

    def __init__(
        self, http_status: int, code: int, msg: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{http_status} {code} {msg}")
        self.http_status = http_status
        self.code = code
        self.msg = msg
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}


def bad_request(code: int, msg: str) -> BinanceErrorReply:
    """A 400 answer with ``code``."""
    return BinanceErrorReply(400, code, msg)


def missing_param(name: str) -> BinanceErrorReply:
    """-1102 for a mandatory parameter that was not sent."""
    return bad_request(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def malformed_param(name: str) -> BinanceErrorReply:
    """-1102 for a parameter whose value cannot be read (Binance uses the same message)."""
    return missing_param(name)


def illegal_chars(name: str, legal: str) -> BinanceErrorReply:
    """-1100 for a value outside the parameter's pattern."""
    return bad_request(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


def duplicate_param() -> BinanceErrorReply:
    """-1101 for a parameter sent twice in the query string."""
    return bad_request(-1101, "Duplicate values for a parameter detected.")


def invalid_symbol() -> BinanceErrorReply:
    """-1121 for a symbol the exchange does not list."""
    return bad_request(-1121, "Invalid symbol.")


def filter_failure(name: str) -> BinanceErrorReply:
    """-1013 for an order that breaks a symbol filter."""
    return bad_request(-1013, f"Filter failure: {name}")


def insufficient_balance() -> BinanceErrorReply:
    """-2010 for an order the account cannot pay for (ccxt maps this exact text)."""
    return bad_request(-2010, "Account has insufficient balance for requested action.")


def api_key_missing() -> BinanceErrorReply:
    """-2014 for a missing or malformed ``X-MBX-APIKEY`` header."""
    return BinanceErrorReply(401, -2014, "API-key format invalid.")


def not_permitted() -> BinanceErrorReply:
    """-2015 for an unknown key or a key without the permission the endpoint needs."""
    return BinanceErrorReply(401, -2015, "Invalid API-key, IP, or permissions for action.")


def bad_signature() -> BinanceErrorReply:
    """-1022 for a signature that does not match the payload."""
    return bad_request(-1022, "Signature for this request is not valid.")


def outside_recv_window() -> BinanceErrorReply:
    """-1021 for a timestamp older than ``recvWindow``."""
    return bad_request(-1021, "Timestamp for this request is outside of the recvWindow.")


def ahead_of_server() -> BinanceErrorReply:
    """-1021 for a timestamp more than one second ahead of the server."""
    return bad_request(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")


def too_much_weight(limit: int, retry_after_s: int) -> BinanceErrorReply:
    """429 -1003: the pool's weight for this minute is used up."""
    return BinanceErrorReply(
        429,
        -1003,
        f"Too much request weight used; current limit is {limit} request weight per 1 MINUTE. "
        "Please use WebSocket Streams for live updates to avoid polling the API.",
        {"Retry-After": str(retry_after_s)},
    )


def banned(until_ms: int, retry_after_s: int) -> BinanceErrorReply:
    """418 -1003: the IP kept going after 429s and is banned until ``until_ms``."""
    return BinanceErrorReply(
        418,
        -1003,
        f"Way too much request weight used; IP banned until {until_ms}. "
        "Please use WebSocket Streams for live updates to avoid bans.",
        {"Retry-After": str(retry_after_s)},
    )

"""``POST /webhook``, ``GET /status``, ``POST /pause``, ``POST /resume`` and ``GET /health``.

``POST /webhook`` answers 200 ``{"status": "accepted"|"duplicate"|"rejected", "signal_id",
"reason"}`` once the signal is stored (and never a 5xx after that: TradingView re-sends on
5xx); 400 when the body is not a JSON object, 401 for a wrong or missing secret, 403 for an
address outside the allowlist, 413 over the size cap, 422 for invalid fields, 503 when the
database cannot store the signal (nothing stored: the re-send is welcome).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from binfolio.entrypoints.web.webhook.ingress import BodyTooLarge, WebhookOptions, read_capped
from binfolio.entrypoints.web.webhook.payload import WebhookPayload, describe, request_schema
from binfolio.services.trade.trader import Trader

log = logging.getLogger(__name__)

_UNAUTHORISED = 'wrong or missing secret: send it as "secret" in the body or as Bearer'


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _json_object(body: bytes) -> dict[str, Any] | str:
    """The body as a JSON object, or why it is not one."""
    try:
        # Strict JSON: NaN and Infinity are Python's extensions, and no database stores them.
        data = json.loads(body, parse_constant=_not_json)
        # Lone surrogates ("\ud800") parse but cannot be stored as UTF-8.
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8 and over-long integers as well as bad JSON.
        return f"the body is not JSON ({type(exc).__name__}); send the alert as a JSON object"
    if not isinstance(data, dict):
        return f"the body must be a JSON object, not {type(data).__name__}"
    return data


async def _checked(
    request: Request, options: WebhookOptions
) -> tuple[bytes, dict[str, Any], WebhookPayload] | JSONResponse:
    """The body, its JSON and its payload, or the 4xx answer that refuses the request."""
    if not options.allows(request):
        log.warning("webhook: refused %s (webhook.allowed_ips)", options.client_address(request))
        return _error(403, "this address may not post signals (webhook.allowed_ips)")
    try:
        body = await read_capped(request, options.max_body_bytes)
    except BodyTooLarge:
        return _error(413, f"the body is over {options.max_body_bytes} bytes")
    data = _json_object(body)
    if isinstance(data, str):
        return _error(400, data)
    if not options.authorised(data.get("secret"), request.headers.get("authorization")):
        return _error(401, _UNAUTHORISED)
    try:
        payload = WebhookPayload.model_validate(data)
    except ValidationError as exc:
        return _error(422, f"invalid fields: {describe(exc)}")
    return body, data, payload


def webhook_router(
    trader: Trader, options: WebhookOptions, *, include_health: bool = True
) -> APIRouter:
    """The trader's routes bound to ``trader``.

    ``include_health=False`` leaves ``GET /health`` to a server that has its own (``serve``);
    it can ask :meth:`Trader.running` instead.
    """
    router = APIRouter(tags=["trader"])

    def bearer_ok(request: Request) -> bool:
        return options.authorised(None, request.headers.get("authorization"))

    @router.post(
        "/webhook",
        summary="Receive a TradingView alert",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": request_schema()},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }
        },
    )
    async def webhook(request: Request) -> JSONResponse:
        checked = await _checked(request, options)
        if isinstance(checked, JSONResponse):
            return checked
        body, data, payload = checked
        signal = payload.to_signal(options.default_amount_usdt)
        stored = {key: value for key, value in data.items() if key != "secret"}
        try:
            outcome = await trader.ingest(signal, body, stored)
        except Exception as exc:  # not stored: a 5xx makes TradingView send it again
            log.warning("webhook: signal not stored: %s: %s", type(exc).__name__, exc)
            return _error(503, "the signal could not be stored; it will be re-sent")
        answer = {
            "status": outcome.status,
            "signal_id": str(outcome.signal_id),
            "reason": outcome.reason or outcome.status,
        }
        return JSONResponse(answer)

    @router.get("/status", summary="Mode, limits, counters and recent signals (Bearer secret)")
    async def status(request: Request) -> JSONResponse:
        if not bearer_ok(request):
            return _error(401, "send the webhook secret as Authorization: Bearer <secret>")
        try:
            return JSONResponse(await trader.status())
        except Exception as exc:
            log.warning("status: %s: %s", type(exc).__name__, exc)
            return _error(503, "the database cannot be read")

    @router.post("/pause", summary="Kill switch: no new trades (Bearer secret)")
    async def pause(request: Request) -> JSONResponse:
        if not bearer_ok(request):
            return _error(401, "send the webhook secret as Authorization: Bearer <secret>")
        reason = "paused through POST /pause"
        body = await read_capped_or_empty(request)
        if isinstance(body.get("reason"), str) and body["reason"].strip():
            reason = body["reason"].strip()[:200]
        try:
            await trader.pause(reason)
        except Exception as exc:
            log.warning("pause: %s: %s", type(exc).__name__, exc)
            return _error(503, "the database cannot be written: not paused")
        return JSONResponse({"paused": True, "reason": reason})

    @router.post("/resume", summary="Lift the kill switch (Bearer secret)")
    async def resume(request: Request) -> JSONResponse:
        if not bearer_ok(request):
            return _error(401, "send the webhook secret as Authorization: Bearer <secret>")
        try:
            await trader.resume()
        except Exception as exc:
            log.warning("resume: %s: %s", type(exc).__name__, exc)
            return _error(503, "the database cannot be written: still paused")
        return JSONResponse({"paused": False})

    if include_health:

        @router.get("/health", summary="Process and worker alive (open, minimal)")
        async def health() -> JSONResponse:
            if trader.running():
                return JSONResponse({"status": "ok"})
            return JSONResponse({"status": "unhealthy", "reason": "trader worker stopped"}, 503)

    return router


async def read_capped_or_empty(request: Request) -> dict[str, Any]:
    """A small optional JSON object body ({} when absent, too large or not an object)."""
    try:
        data = _json_object(await read_capped(request, 4096))
    except BodyTooLarge:
        return {}
    return data if isinstance(data, dict) else {}

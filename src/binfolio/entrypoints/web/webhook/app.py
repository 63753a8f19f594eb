"""``create_webhook_app``: the trader's HTTP server, alone (``binfolio webhook``) or mounted.

The app starts and stops the trader with its lifespan. A server that mounts the router
elsewhere (``binfolio serve``) calls :meth:`Trader.start`/:meth:`Trader.stop` from its own
lifespan instead, and must not enable uvicorn's proxy headers (see ``ingress``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from binfolio import __version__
from binfolio.entrypoints.web.webhook.ingress import WebhookOptions
from binfolio.entrypoints.web.webhook.routes import webhook_router
from binfolio.services.trade.trader import Trader


def create_webhook_app(
    trader: Trader,
    options: WebhookOptions,
    *,
    manage_trader: bool = True,
    on_close: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """The webhook server for ``trader``.

    Args:
        trader: the mode's trader.
        options: secret, body cap, allowlist, trusted proxies, default trade size.
        manage_trader: start and stop the trader with the app's lifespan.
        on_close: awaited after the trader stopped, on the server's own event loop (the
            trader's HTTP pool was opened there and must be closed there).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_trader:
            await trader.start()
        try:
            yield
        finally:
            if manage_trader:
                await trader.stop()
            if on_close is not None:
                await on_close()

    app = FastAPI(
        title="binfolio trader",
        version=__version__,
        description="TradingView alerts in, risk-checked Binance orders out (docs/trading.md).",
        lifespan=lifespan,
    )
    app.include_router(webhook_router(trader, options))
    return app

"""Build the trader of the configured mode from the settings (``binfolio webhook`` and ``serve``).

``paper`` reads public prices from ``[binance] base_url`` and keeps its balances in the
database; ``testnet``, ``demo`` and ``live`` trade with the key of ``trading.account`` (the
first account by default) at ``trading.base_url`` or the mode's Binance URL. Live trading needs
``trading.live_confirm = true`` as well.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from binfolio.adapters.binance.exchange import tls_context
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.orders import PublicSpotClient, SpotTradingClient
from binfolio.adapters.binance.urls import DEMO_SPOT_URL, LIVE_SPOT_URL, TESTNET_SPOT_URL
from binfolio.adapters.storage.paper_book import PaperBook
from binfolio.adapters.storage.trade_repo import TradeRepository
from binfolio.bootstrap import App
from binfolio.config import Settings
from binfolio.config_load import ConfigError, ConfigProblem
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.trading.risk import RiskLimits
from binfolio.entrypoints.web.webhook.ingress import WebhookOptions, networks
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.trade.audit import CsvAudit
from binfolio.services.trade.exchange import BinanceExchange, Exchange, PaperExchange
from binfolio.services.trade.options import TraderOptions
from binfolio.services.trade.ports import Notifier, NullNotifier
from binfolio.services.trade.rules_cache import RulesCache
from binfolio.services.trade.trader import Trader

MODE_URLS = {"testnet": TESTNET_SPOT_URL, "demo": DEMO_SPOT_URL, "live": LIVE_SPOT_URL}


@dataclass
class BuiltTrader:
    """The trader, its ingress options, and what to close when the server stops."""

    trader: Trader
    options: WebhookOptions
    http: httpx.AsyncClient
    notifier: Notifier

    async def aclose(self) -> None:
        """Close the HTTP pool and flush the notices (after ``trader.stop()``)."""
        await self.http.aclose()
        close = getattr(self.notifier, "close", None)
        if callable(close):  # waits up to 5 s for the receivers: not on the event loop
            await asyncio.to_thread(close, 5.0)


def check_settings(settings: Settings) -> list[ConfigProblem]:
    """What stops the trader from starting: no secret, live without confirmation, bad IPs."""
    problems: list[ConfigProblem] = []
    if settings.webhook.secret is None or len(settings.webhook.secret.get_secret_value()) < 8:
        problems.append(
            ConfigProblem(
                "webhook.secret",
                "is required (8 characters or more) to accept signals",
                "set WEBHOOK_SECRET_KEY or [webhook] secret to a long random string",
            )
        )
    if settings.trading.mode == "live" and not settings.trading.live_confirm:
        problems.append(
            ConfigProblem(
                "trading.live_confirm",
                "mode is live but live trading is not confirmed",
                "set [trading] live_confirm = true to trade real money, or use paper/testnet",
            )
        )
    for key, entries in (
        ("webhook.allowed_ips", settings.webhook.allowed_ips),
        ("webhook.trusted_proxies", settings.webhook.trusted_proxies),
    ):
        try:
            networks(entries)
        except ValueError as exc:
            problems.append(ConfigProblem(key, str(exc), "list IP addresses or networks"))
    return problems


def trader_options(settings: Settings) -> TraderOptions:
    """The trader's options from ``[trading]``, ``[risk]`` and ``[webhook]``."""
    risk = settings.risk
    limits = RiskLimits(
        min_confidence=risk.min_confidence,
        min_balance_usdt=risk.min_balance_usdt,
        max_trade_usdt=risk.max_trade_usdt,
        max_trade_pct_equity=risk.max_trade_pct_equity,
        max_open_trades=risk.max_open_trades,
        max_trades_per_day=risk.max_trades_per_day,
        cooldown_minutes=risk.cooldown_minutes,
        symbols=frozenset(risk.symbols),
        max_signal_age_s=settings.webhook.max_signal_age_s,
    )
    return TraderOptions(
        mode=settings.trading.mode,
        limits=limits,
        notional_margin_pct=settings.trading.notional_margin_pct,
        dedupe_window=timedelta(seconds=settings.webhook.dedupe_window_s),
        lookup_delay_s=min(1.0, settings.binance.timeout_s / 10),
        # A live worker may spend a few request timeouts on one trade (a send, then lookups
        # retried); only after that does another worker take the trade over.
        stale_after=timedelta(seconds=max(60.0, 6 * settings.binance.timeout_s)),
    )


def _notifier(settings: Settings) -> Notifier:
    if not settings.alerts.urls:
        return NullNotifier()
    from binfolio.adapters.notify import Notifier as AppriseNotifier

    return AppriseNotifier([url.get_secret_value() for url in settings.alerts.urls])


def build_trader(
    app: App,
    *,
    clock: Clock = utc_now,
    options: TraderOptions | None = None,
    notifier: Notifier | None = None,
) -> BuiltTrader:
    """The configured mode's trader, ready to start.

    Raises:
        ConfigError: when the settings cannot trade (see :func:`check_settings`), or the
            trading account has no usable key.
    """
    settings = app.settings
    problems = check_settings(settings)
    if problems:
        raise ConfigError(problems)
    options = options or trader_options(settings)
    mode = options.mode
    limiter = WeightLimiter()
    store = TradeRepository(app.session_factory, mode)
    db = app.storage.db
    ttl = timedelta(seconds=settings.trading.exchange_info_ttl_s)
    exchange: Exchange
    if mode == "paper":
        url = settings.binance.base_url
        http = httpx.AsyncClient(timeout=settings.binance.timeout_s, verify=tls_context(url))
        public = PublicSpotClient(http, base_url=url, limiter=limiter, clock=clock)
        rules = RulesCache(public.symbol_rules, ttl=ttl, clock=clock)
        book = PaperBook(app.session_factory, settings.trading.paper_balance_usdt)
        exchange = PaperExchange(
            public, book=book, store=store, db=db, endpoint=url, rules=rules, clock=clock
        )
    else:
        url = settings.trading.base_url or MODE_URLS[mode]
        account = _trading_account(app)
        http = httpx.AsyncClient(timeout=settings.binance.timeout_s, verify=tls_context(url))
        api = SpotTradingClient(
            http,
            base_url=url,
            futures_base_url=url,
            api_key=account.api_key,
            api_secret=account.api_secret,
            limiter=limiter,
            clock=clock,
            recv_window_ms=settings.binance.recv_window_ms,
        )
        rules = RulesCache(api.symbol_rules, ttl=ttl, clock=clock)
        exchange = BinanceExchange(api, mode=mode, endpoint=url, rules=rules, clock=clock)
    notifier = notifier or _notifier(settings)
    trader = Trader(
        store=store,
        db=db,
        exchange=exchange,
        audit=CsvAudit(csv_directory(settings, mode)),
        options=options,
        notifier=notifier,
        clock=clock,
    )
    ingress = WebhookOptions(
        secret=settings.webhook.secret.get_secret_value() if settings.webhook.secret else "",
        default_amount_usdt=settings.trading.default_amount_usdt,
        max_body_bytes=settings.webhook.max_body_bytes,
        allowed=networks(settings.webhook.allowed_ips),
        trusted_proxies=networks(settings.webhook.trusted_proxies),
    )
    return BuiltTrader(trader, ingress, http, notifier)


def csv_directory(settings: Settings, mode: str) -> Path:
    """Where this mode's ``signals.csv`` and ``trades.csv`` go."""
    return (settings.trading.csv_dir or settings.data_dir / "trading") / mode


def _trading_account(app: App) -> ResolvedAccount:
    settings = app.settings
    name = settings.trading.account or (settings.accounts[0].name if settings.accounts else None)
    if name is None:
        raise ConfigError(
            [
                ConfigProblem(
                    "trading.account",
                    f"mode {settings.trading.mode} trades with an account's key, and none is set",
                    "add an [[accounts]] entry (or BINANCE_API_KEY/SECRET) and name it in "
                    "[trading] account, or use mode = paper",
                )
            ]
        )
    return app.accounts(frozenset({name}))[0]

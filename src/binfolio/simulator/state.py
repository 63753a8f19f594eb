"""Everything one simulator instance knows, created by ``create_app`` (no module globals).

Request handlers run synchronously under ``SimState.lock`` (the dispatcher holds it), so a
handler sees and leaves a consistent state; the admin API takes the same lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from binfolio.domain.money import to_decimal
from binfolio.simulator.accounts import DEFAULT_PERMISSIONS, Account, Position, new_key
from binfolio.simulator.catalogue import FUTURES_BY_NAME
from binfolio.simulator.clock import SimClock
from binfolio.simulator.config import Limits, SimulatorConfig
from binfolio.simulator.faults import FaultInjector
from binfolio.simulator.ledger import settle_transfers
from binfolio.simulator.limits import WeightMeter
from binfolio.simulator.market import Market
from binfolio.simulator.orders import match_open_orders


class UnknownSimAccountError(KeyError):
    """No simulated account has that name (the admin API answers 404)."""


class SimAccountConflictError(ValueError):
    """The name or API key belongs to another simulated account (the admin API answers 409)."""


class SimState:
    """Clock, market, accounts, limits, faults and the request log of one simulator."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.taker_fee = Decimal(config.taker_fee)
        self.requests: deque[dict[str, Any]] = deque(maxlen=config.request_log_size)
        self.clock = SimClock(config.start_ms, config.speed)
        self.meter = WeightMeter(config.limits, self.clock.wall_ms)
        self._fresh_start(config.scenario, config.seed)

    def _fresh_start(self, scenario: str, seed: int) -> None:
        self.market = Market(seed, scenario, self.clock.start_ms)
        self.faults = FaultInjector(seed)
        self.accounts: dict[str, Account] = {}
        self.accounts_by_key: dict[str, Account] = {}
        self._next_uid = 354937868
        self._next_number = 1
        self.meter.reset()
        self.requests.clear()

    def reset(
        self,
        *,
        scenario: str | None = None,
        seed: int | None = None,
        speed: float | None = None,
        start_ms: int | None = None,
        limits: Limits | None = None,
    ) -> None:
        """Forget accounts, faults, counters and the log, and restart market and clock.

        Raises:
            ValueError: for an unknown scenario or a negative speed.
        """
        config = SimulatorConfig(
            scenario=scenario or self.config.scenario,
            seed=self.config.seed if seed is None else seed,
            speed=self.config.speed if speed is None else speed,
            start_ms=start_ms,
            limits=limits or Limits(),
            request_log_size=self.config.request_log_size,
            taker_fee=self.config.taker_fee,
        )
        with self.lock:
            self.clock = SimClock(config.start_ms, config.speed)
            self.meter = WeightMeter(config.limits, self.clock.wall_ms)
            self._fresh_start(config.scenario, config.seed)

    def next_number(self) -> int:
        """A fresh sequence number for ids (orders, trades, transfers, positions)."""
        number = self._next_number
        self._next_number += 1
        return number

    def create_account(
        self,
        name: str,
        *,
        balances: Mapping[str, Mapping[str, str | Decimal]] | None = None,
        permissions: Mapping[str, bool] | None = None,
        positions: list[Mapping[str, Any]] | None = None,
        multi_assets_margin: bool = False,
        api_key: str | None = None,
        api_secret: str | None = None,
    ) -> Account:
        """Create an account with a fresh key (or the given one).

        Raises:
            SimAccountConflictError: for a name or key that another account has.
            ValueError: for an empty name, an unknown permission, or bad amounts.
        """
        if not name:
            raise ValueError("name must not be empty")
        if name in self.accounts:
            raise SimAccountConflictError(
                f"account {name!r} exists; POST /_sim/reset or pick another name"
            )
        unknown = set(permissions or {}) - set(DEFAULT_PERMISSIONS)
        if unknown:
            raise ValueError(
                f"unknown permissions {sorted(unknown)}; known: {sorted(DEFAULT_PERMISSIONS)}"
            )
        api_key = api_key or new_key()
        if api_key in self.accounts_by_key:
            raise SimAccountConflictError("api_key is already used by another account")
        now_ms = self.clock.now_ms()
        account = Account(
            name=name,
            uid=self._next_uid,
            api_key=api_key,
            api_secret=api_secret or new_key(),
            created_ms=self.clock.server_ms(),
            multi_assets_margin=multi_assets_margin,
            update_ms=now_ms,
        )
        account.permissions.update(permissions or {})
        self._next_number = account.set_balances(balances or {}, now_ms, self._next_number)
        self.set_positions(account, positions or [])
        self._next_uid += 1
        self.accounts[name] = account
        self.accounts_by_key[account.api_key] = account
        return account

    def set_balances(
        self, account: Account, balances: Mapping[str, Mapping[str, str | Decimal]]
    ) -> None:
        """Replace the given assets of the given wallets (see ``Account.set_balances``).

        Raises:
            ValueError: for an unknown wallet or a negative or malformed amount.
        """
        self._next_number = account.set_balances(balances, self.clock.now_ms(), self._next_number)

    def set_positions(self, account: Account, positions: list[Mapping[str, Any]]) -> None:
        """Replace futures positions: ``{"symbol", "amount", "entry_price"?, "leverage"?}``.

        A missing ``entry_price`` means "opened now at the mark price".

        Raises:
            ValueError: for an unknown futures symbol or a malformed amount.
        """
        now_ms = self.clock.now_ms()
        for item in positions:
            symbol = str(item["symbol"])
            if symbol not in FUTURES_BY_NAME:
                raise ValueError(f"{symbol} is not a simulated USD-M perpetual")
            amount = to_decimal(str(item["amount"]), field=f"{symbol}.amount")
            entry = item.get("entry_price")
            entry_price = (
                self.market.price(symbol, now_ms)
                if entry is None
                else to_decimal(str(entry), field=f"{symbol}.entry_price")
            )
            if amount == 0:
                account.positions.pop(symbol, None)
                continue
            account.positions[symbol] = Position(
                symbol, amount, entry_price, int(item.get("leverage", 10)), now_ms
            )

    def account(self, name: str) -> Account:
        """The account called ``name``.

        Raises:
            UnknownSimAccountError: when there is none.
        """
        try:
            return self.accounts[name]
        except KeyError:
            raise UnknownSimAccountError(
                f"no account {name!r}; create it with POST /_sim/accounts"
            ) from None

    def settle(self, account: Account) -> None:
        """Bring the account up to the market clock: transfers due, limit orders crossed."""
        now_ms = self.clock.now_ms()
        if account.deposits or account.withdrawals:
            settle_transfers(account, now_ms)
        if account.open_orders:
            match_open_orders(self, account, now_ms)

"""Reading what each key may do, for the key-permissions alert.

``GET /sapi/v1/account/apiRestrictions`` costs 1 IP weight
(https://developers.binance.com/docs/wallet/account/api-key-permission); the alert reads it at
most every ``alerts.key_check_minutes`` per account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from binfolio.adapters.binance.errors import BinanceError
from binfolio.services.collect.options import AccountTarget
from binfolio.services.ports import Exchange

log = logging.getLogger(__name__)


class ExchangeKeyPermissions:
    """:class:`~binfolio.services.alerts.ports.KeyPermissionsReader` through the exchange."""

    def __init__(self, exchange: Exchange, targets: Iterable[AccountTarget]) -> None:
        self.exchange = exchange
        self.targets = {target.name: target for target in targets}

    async def restrictions(self, account: str) -> Mapping[str, object] | None:
        """The key's switches, or None for an unknown account or when Binance refused."""
        target = self.targets.get(account)
        if target is None:
            return None
        try:
            async with self.exchange.account(target.api_key, target.api_secret) as reader:
                return await reader.api_restrictions()
        except BinanceError as exc:
            # A revoked key fails the snapshot too, and that alerts as "run failed".
            log.warning("account %s: key permissions not read: %s", account, exc)
            return None

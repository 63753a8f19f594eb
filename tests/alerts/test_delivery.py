"""Every alert kind arrives at a JSON webhook on 127.0.0.1 and by e-mail, from real runs
against the simulator, with the clock injected; the same condition never alerts twice.

Three accounts, one run an hour (a 1-hour schedule, stale after 2 slots):

- main holds 1 BTC, 1000 USDT and 5 FOO (no price); its key may withdraw. BTC falls from 60000
  to 40000 at run 2 (NAV −32.8 %, drawdown, and 16 points behind a 50/50 BTC/ETH benchmark),
  stays there at run 3, then falls to 30000 at run 4 (NAV −24 % again);
- side's key has no futures permission: every snapshot is partial, so it goes stale;
- flaky's key may not read until run 6: it fails five times, its circuit opens, it is skipped
  until the probe at run 6, which succeeds and closes the circuit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from binfolio.adapters.binance.exchange import BinanceExchange, Connection, Endpoints
from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.notify import Notifier
from binfolio.adapters.storage.alert_repo import AlertRepo
from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.alerts import Thresholds
from binfolio.domain.benchmark import BasketSpec
from binfolio.domain.circuit import CircuitPolicy
from binfolio.domain.types import Asset
from binfolio.services.alerts import (
    Alerting,
    AlertOptions,
    CircuitBreaker,
    ExchangeKeyPermissions,
    after_run_hook,
)
from binfolio.services.collect.options import AccountTarget, CollectOptions
from binfolio.services.collect.run import collect
from binfolio.services.ledger.hook import update_benchmarks
from binfolio.simulator.testing import Credentials, SimulatorHandle
from tests.alerts.receivers import JsonReceiver, SmtpReceiver, json_receiver, smtp_receiver

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # a Tuesday: no benchmark rebalance in the runs
SPEC = BasketSpec({Asset("BTC"): Decimal("0.5"), Asset("ETH"): Decimal("0.5")}, "0 12 * * 1")
OPTIONS = AlertOptions(
    thresholds=Thresholds(stale_after=2 * HOUR),
    circuit=CircuitPolicy(failures_to_open=5, slot=HOUR),
)


@pytest.fixture
def receivers() -> Iterator[tuple[JsonReceiver, SmtpReceiver]]:
    with json_receiver() as webhook, smtp_receiver() as mailbox:
        yield webhook, mailbox


def target(creds: Credentials) -> AccountTarget:
    return AccountTarget(creds.name, SecretStr(creds.api_key), SecretStr(creds.api_secret))


@dataclass
class SlotClock:
    """The injected clock: the time of the slot being run."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    """What the serve loop does around each run, with an injected clock."""

    sim: SimulatorHandle
    storage: SqlStorage
    exchange: BinanceExchange
    notifier: Notifier
    webhook: JsonReceiver
    alerting: Alerting
    breaker: CircuitBreaker
    targets: list[AccountTarget]
    clock: SlotClock
    chosen: list[list[str]] = field(default_factory=list)

    async def slot(self, at: datetime, *, wait_for_receivers: bool = True) -> list[str]:
        """One slot as the serve loop runs it (admit, run, after-run hook); the titles the
        webhook received for it."""
        self.clock.now = at
        chosen = await self.breaker.admit([t.name for t in self.targets], at)
        self.chosen.append(chosen)
        result = await collect(
            [t for t in self.targets if t.name in chosen],
            exchange=self.exchange,
            storage=self.storage,
            options=CollectOptions(deadline_s=20),
            clock=self.clock,
        )
        await update_benchmarks(
            self.storage, {"main": SPEC}, klines=self.exchange.market, now=result.started_at
        )
        before = len(self.webhook.received)
        await after_run_hook(self.breaker, self.alerting)(result)
        if wait_for_receivers:
            assert await asyncio.to_thread(self.notifier.flush, 10)
        return [message["title"] for message in self.webhook.received[before:]]


@pytest.fixture
def accounts(simulator: SimulatorHandle) -> list[AccountTarget]:
    """main, side and flaky on the simulator (admin calls block: made outside the loop)."""
    simulator.set_prices({"BTCUSDT": "60000", "ETHUSDT": "3000"})
    main = simulator.create_account(
        "main",
        balances={"spot": {"BTC": "1", "USDT": "1000", "FOO": "5"}},
        permissions={"enableWithdrawals": True},
    )
    side = simulator.create_account(
        "side", balances={"spot": {"USDT": "1000"}}, permissions={"enableFutures": False}
    )
    flaky = simulator.create_account(
        "flaky", balances={"spot": {"USDT": "500"}}, permissions={"enableReading": False}
    )
    return [target(main), target(side), target(flaky)]


@pytest.fixture
def notifier(receivers: tuple[JsonReceiver, SmtpReceiver]) -> Iterator[Notifier]:
    """Built outside the loop, as serve builds it at start: apprise loads its plugins then."""
    webhook, mailbox = receivers
    notifier = Notifier([webhook.url, mailbox.url], min_interval_s=0)
    yield notifier
    notifier.close(5)


@pytest.fixture
async def service(
    simulator: SimulatorHandle,
    engine: Engine,
    receivers: tuple[JsonReceiver, SmtpReceiver],
    accounts: list[AccountTarget],
    notifier: Notifier,
) -> AsyncIterator[Service]:
    storage = SqlStorage(make_session_factory(engine))
    connection = Connection(http_timeout_s=5, retry=RetryPolicy(attempts=2, backoff_initial_s=0.01))
    exchange = BinanceExchange(
        Endpoints(simulator.base_url, simulator.base_url), slots=3, connection=connection
    )
    repo = AlertRepo(storage.factory)
    clock = SlotClock()
    alerting = Alerting(
        repo,
        repo,
        notifier,
        OPTIONS,
        permissions=ExchangeKeyPermissions(exchange, accounts[:1]),
        clock=clock,
        db=storage.db,
    )
    breaker = CircuitBreaker(repo, OPTIONS.circuit, db=storage.db)
    yield Service(
        simulator, storage, exchange, notifier, receivers[0], alerting, breaker, accounts, clock
    )
    await exchange.aclose()
    storage.close()


async def test_every_kind_arrives_by_json_and_mail_once_per_episode(
    service: Service, receivers: tuple[JsonReceiver, SmtpReceiver]
) -> None:
    webhook, mailbox = receivers
    sim = service.sim
    runs: list[list[str]] = []

    runs.append(await service.slot(T0))
    sim.set_prices({"BTCUSDT": "40000"})
    runs.append(await service.slot(T0 + HOUR))
    runs.append(await service.slot(T0 + 2 * HOUR))
    sim.set_prices({"BTCUSDT": "30000"})
    runs.append(await service.slot(T0 + 3 * HOUR))
    runs.append(await service.slot(T0 + 4 * HOUR))
    paused = await service.breaker.accounts_to_collect(["flaky"], T0 + 4 * HOUR + 10 * MINUTE)
    sim.set_permissions("flaky", enableReading=True)
    runs.append(await service.slot(T0 + 5 * HOUR))

    assert runs == [
        [
            "binfolio: snapshot failed (flaky)",
            "binfolio: unpriced assets (main)",
            "binfolio: API key permissions (main)",
        ],
        [
            "binfolio: large NAV change (main)",
            "binfolio: drawdown (main)",
            "binfolio: trailing the benchmark (main)",
        ],
        [],
        ["binfolio: large NAV change (main)", "binfolio: no recent complete snapshot (2 accounts)"],
        ["binfolio: account paused after repeated failures (flaky)"],
        ["binfolio: paused account collects again (flaky)"],
    ]
    assert paused[0] == []
    assert "paused after 5 failed runs" in paused[1]["flaky"]
    assert "flaky" in service.chosen[5]  # the probe ran at its slot

    sent = [title for run in runs for title in run]
    assert mailbox.subjects() == sent
    by_title = {m["title"]: m for m in webhook.received}
    assert "withdrawals are enabled" in by_title["binfolio: API key permissions (main)"]["message"]
    assert by_title["binfolio: unpriced assets (main)"]["message"] == "main: FOO"
    assert by_title["binfolio: snapshot failed (flaky)"]["type"] == "failure"
    stale = by_title["binfolio: no recent complete snapshot (2 accounts)"]["message"]
    assert stale.splitlines()[0].startswith(
        "flaky: no complete snapshot since the account was added"
    )
    assert stale.splitlines()[1].startswith("side: no complete snapshot")


async def test_a_hanging_receiver_does_not_delay_the_run(
    service: Service, receivers: tuple[JsonReceiver, SmtpReceiver]
) -> None:
    webhook, mailbox = receivers
    webhook.hang = True

    started = time.perf_counter()
    await service.slot(T0, wait_for_receivers=False)
    elapsed_s = time.perf_counter() - started
    mails = await asyncio.to_thread(mailbox.wait_for, 3, 5)

    assert elapsed_s < 2  # apprise holds a hanging webhook for 4 s per notice
    assert len(mails) == 3
    assert "binfolio: snapshot failed (flaky)" in mailbox.subjects()
    assert webhook.received == []


async def test_a_crashed_run_alerts_once_until_a_run_gets_to_its_accounts(
    service: Service, receivers: tuple[JsonReceiver, SmtpReceiver]
) -> None:
    webhook, _ = receivers
    alerting = service.alerting

    first = await alerting.run_crashed("StorageError: database unreachable")
    again = await alerting.run_crashed("StorageError: database unreachable")
    await service.slot(T0)
    after_recovery = await alerting.run_crashed("StorageError: database unreachable")
    await asyncio.to_thread(service.notifier.flush, 10)

    assert [n.title for n in first] == ["binfolio: snapshot failed (*)"]
    assert again == []
    assert [n.title for n in after_recovery] == ["binfolio: snapshot failed (*)"]
    crashed = [m for m in webhook.received if m["title"] == "binfolio: snapshot failed (*)"]
    assert [m["message"] for m in crashed] == ["*: StorageError: database unreachable"] * 2

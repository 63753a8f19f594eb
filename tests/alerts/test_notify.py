"""The apprise notifier: delivers to a JSON webhook and by e-mail, and never holds up its caller."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from binfolio.adapters.notify import Notifier, NotifierConfigError
from tests.alerts.receivers import JsonReceiver, SmtpReceiver, json_receiver, smtp_receiver


@pytest.fixture
def webhook() -> Iterator[JsonReceiver]:
    with json_receiver() as receiver:
        yield receiver


@pytest.fixture
def mailbox() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as receiver:
        yield receiver


def test_a_notice_arrives_as_json_and_as_mail(webhook: JsonReceiver, mailbox: SmtpReceiver) -> None:
    notifier = Notifier([webhook.url, mailbox.url], min_interval_s=0)

    assert notifier.send("binfolio: drawdown (main)", "main: 25.0 % below the peak", "warning")
    assert notifier.flush(10)

    [posted] = webhook.received
    assert (posted["title"], posted["message"], posted["type"]) == (
        "binfolio: drawdown (main)",
        "main: 25.0 % below the peak",
        "warning",
    )
    assert mailbox.subjects() == ["binfolio: drawdown (main)"]
    assert notifier.counts == {"sent": 2, "failed": 0, "dropped": 0}


def test_a_hanging_receiver_delays_neither_the_caller_nor_the_other_receiver(
    webhook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    webhook.hang = True
    notifier = Notifier([webhook.url, mailbox.url], timeout_s=30, min_interval_s=0)

    started = time.perf_counter()
    for n in range(3):
        notifier.send(f"notice {n}", "body", "failure")
    sent_s = time.perf_counter() - started
    mails = mailbox.wait_for(3, timeout_s=3)
    mailed_s = time.perf_counter() - started

    assert sent_s < 0.05
    assert len(mails) == 3
    assert mailed_s < 2  # the webhook holds each attempt for 4 s (apprise's read timeout)
    assert webhook.received == []


def test_each_attempt_is_bounded_by_the_timeout(webhook: JsonReceiver) -> None:
    webhook.hang = True
    notifier = Notifier([webhook.url], timeout_s=0.3)

    notifier.send("lost", "body")
    started = time.perf_counter()
    assert notifier.flush(5)

    assert time.perf_counter() - started < 3
    assert notifier.counts["failed"] == 1


def test_a_full_queue_drops_notices_instead_of_growing(webhook: JsonReceiver) -> None:
    webhook.hang = True
    notifier = Notifier([webhook.url], queue_size=2, timeout_s=30, min_interval_s=0)

    accepted = [notifier.send(f"n{n}", "body") for n in range(6)]
    # one notice is being sent, two wait in the queue: at least three of six are dropped
    assert accepted[:1] == [True]
    assert accepted[-1] is False
    assert notifier.counts["dropped"] >= 3


def test_an_unknown_kind_is_sent_as_info(webhook: JsonReceiver) -> None:
    notifier = Notifier([webhook.url])
    notifier.send("t", "b", "catastrophe")
    notifier.flush(10)
    assert webhook.received[0]["type"] == "info"


def test_without_urls_nothing_is_queued() -> None:
    notifier = Notifier([])
    assert notifier.send("t", "b") is False
    assert notifier.flush(0.1)


def test_a_url_apprise_does_not_know_fails_at_start_without_its_secret() -> None:
    with pytest.raises(NotifierConfigError, match="nosuchservice://") as raised:
        Notifier(["nosuchservice://s3cr3t-token@host"])
    assert "s3cr3t" not in str(raised.value)

"""The log redactor removes secrets, signatures, API-key headers, DB passwords and private keys."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from binfolio.log import Redactor, setup_logging

PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAbc\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "secret_part"),
    [
        ("GET /api/v3/account?timestamp=1&signature=9f86d081884c7d65", "9f86d081884c7d65"),
        ("headers={'X-MBX-APIKEY': 'vmPUZE6mv9SD5VNHk4'}", "vmPUZE6mv9SD5VNHk4"),
        ("X-MBX-APIKEY: vmPUZE6mv9SD5VNHk4", "vmPUZE6mv9SD5VNHk4"),
        ("postgresql://binfolio:hunter2pass@db/x", "hunter2pass"),
        (f"loaded {PEM} ok", "MC4CAQAwBQYDK2VwBCIEIAbc"),
        ("the secret is configured-secret-1234 here", "configured-secret-1234"),
    ],
)
def test_redactor_removes_secret(text: str, secret_part: str) -> None:
    redact = Redactor(["configured-secret-1234"])

    cleaned = redact(text)

    assert secret_part not in cleaned
    assert "***" in cleaned or "[private key redacted]" in cleaned


def test_secrets_added_later_are_redacted_too() -> None:
    redact = Redactor()
    redact.add("late-secret-abcdef")

    assert redact("x late-secret-abcdef y") == "x *** y"


def test_log_records_and_tracebacks_are_redacted_in_file_and_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "b.log"
    setup_logging(level="INFO", file_path=log_file, redactor=Redactor(["s3cret-value-xyz"]))
    logger = logging.getLogger("binfolio.test")

    logger.info("calling with %s and signature=%s", "s3cret-value-xyz", "deadbeefdeadbeef")
    try:
        raise ValueError("boom s3cret-value-xyz")
    except ValueError:
        logger.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()

    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert lines[0]["message"] == "calling with *** and signature=***"
    assert "ValueError: boom ***" in lines[1]["exception"]
    assert log_file.stat().st_mode & 0o777 == 0o600
    captured = capsys.readouterr()
    everything = log_file.read_text() + captured.out + captured.err
    assert "s3cret-value-xyz" not in everything
    assert "deadbeefdeadbeef" not in everything

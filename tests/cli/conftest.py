"""Helpers to run the real ``binfolio`` command in a clean directory and environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no binfolio or Binance settings, its data directory in tmp_path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_"))
        and k not in {"DATABASE_URL", "LOG_FILE_PATH", "WEBHOOK_SECRET_KEY"}
    }
    env["BINFOLIO_DATA_DIR"] = str(tmp_path / "data")
    env["COLUMNS"] = "200"  # rich wraps at the terminal width; keep messages on one line
    return env


@pytest.fixture
def run_cli(tmp_path: Path, clean_env: dict[str, str]) -> RunCli:
    """Run ``python -m binfolio ARGS`` as a real process in ``tmp_path/work``."""
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        input_text: str | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "binfolio", *args],
            cwd=cwd or workdir,
            env={**clean_env, **(env or {})},
            input=input_text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run

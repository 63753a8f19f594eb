"""The deploy kit: systemd units that `systemd-analyze` accepts, hardened; the timer's schedule;
an environment file that the shell and binfolio read as meant; a container that is not root.

`systemd-analyze` comes with Debian's systemd package (`make systemd-deps` installs it). Without
it these tests skip on a laptop and fail under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from binfolio.config_load import load_settings

DEPLOY = Path(__file__).parents[2] / "deploy"
UNITS = ("binfolio.service", "binfolio-snapshot.service", "binfolio-snapshot.timer")
INSTALLED_BINARY = "/opt/binfolio/.venv/bin/binfolio"
MAX_EXPOSURE = 2.0  # systemd-analyze security: 0 = locked down, 10 = fully exposed; < 2 is "OK"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        message = "systemd-analyze is missing: run `make systemd-deps` (Debian's systemd package)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the deploy tests must run)")
        pytest.skip(message)
    return found


@pytest.fixture
def units(tmp_path: Path) -> Path:
    """The units, with ExecStart aimed at this venv's binfolio (verify checks it exists)."""
    binary = Path(sys.executable).parent / "binfolio"
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED_BINARY, str(binary)), encoding="utf-8")
    return tmp_path


def verify(directory: Path, *names: str) -> str:
    """What `systemd-analyze verify` has to say; empty when the units are clean.

    It exits 0 on unknown keys and unparsable values, only saying so, so its output counts too.
    """
    result = subprocess.run(
        [systemd_analyze(), "verify", *(f"./{name}" for name in names)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = (result.stdout + result.stderr).strip()
    if result.returncode != 0 and not problems:
        problems = f"exit status {result.returncode}"
    return problems


def directives(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_units_pass_systemd_analyze_verify(units: Path) -> None:
    assert verify(units, *UNITS) == ""


def test_a_mistyped_directive_is_caught(units: Path) -> None:
    service = units / "binfolio.service"
    service.write_text(service.read_text().replace("ProtectSystem=", "ProtectSytem="))

    assert "Unknown key 'ProtectSytem'" in verify(units, "binfolio.service")


@pytest.mark.parametrize("name", ["binfolio.service", "binfolio-snapshot.service"])
def test_the_services_are_hardened(units: Path, name: str) -> None:
    found = directives(units / name)
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", f"./{name}"],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)

    assert exposure is not None, result.stdout + result.stderr
    assert float(exposure.group(1)) <= MAX_EXPOSURE
    assert found["NoNewPrivileges"] == ["yes"]
    assert found["ProtectSystem"] == ["strict"]
    assert found["PrivateTmp"] == ["yes"]
    assert found["ReadWritePaths"] == ["-/var/lib/binfolio -/var/log/binfolio"]
    assert found["User"] == ["binfolio"]
    assert found["EnvironmentFile"] == ["/etc/binfolio/binfolio.env"]
    assert re.fullmatch(r"\d+[KMG]", found["MemoryMax"][0])


def test_the_service_runs_serve_and_outlasts_a_run_on_stop() -> None:
    found = directives(DEPLOY / "binfolio.service")
    assert found["ExecStart"] == [f"{INSTALLED_BINARY} serve"]
    assert found["KillSignal"] == ["SIGTERM"]
    assert int(found["TimeoutStopSec"][0]) > 60  # collector.deadline_s defaults to 60


def test_the_timer_fires_daily_at_eight_utc_and_catches_up_once() -> None:
    found = directives(DEPLOY / "binfolio-snapshot.timer")
    [calendar] = found["OnCalendar"]
    result = subprocess.run(
        [systemd_analyze(), "calendar", "--iterations=2", calendar],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    elapses = re.findall(r"(?:Next elapse|Iter\. #2): \w+ (\S+) (\S+) (\S+)", result.stdout)

    assert len(elapses) == 2
    assert all(time == "08:00:00" and zone == "UTC" for _, time, zone in elapses)
    assert found["Persistent"] == ["true"]
    assert found["Unit"] == ["binfolio-snapshot.service"]


def test_the_environment_file_reads_as_meant_through_the_shell(tmp_path: Path) -> None:
    # Every commented example switched on, then read the way the crontab example reads it.
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    switched = [re.sub(r"^# ([A-Z][A-Z0-9_]*=)", r"\1", line) for line in lines]
    env_file = tmp_path / "binfolio.env"
    env_file.write_text("\n".join(switched) + "\n", encoding="utf-8")
    result = subprocess.run(
        ["/bin/sh", "-c", f"set -a && . {env_file} && env -0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )
    environ = dict(entry.split("=", 1) for entry in result.stdout.split("\0") if "=" in entry)
    environ["BINFOLIO_DATA_DIR"] = str(tmp_path)

    settings = load_settings(None, environ=environ, cwd=tmp_path)

    assert [url.get_secret_value().split("://")[0] for url in settings.alerts.urls] == [
        "mailto",
        "tgram",
    ]
    assert settings.collector.schedule_cron == "0 * * * *"


def test_the_container_runs_as_a_user_and_publishes_on_loopback_only() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    published = re.findall(r'^\s+- "([^"]+):\d+"', compose, flags=re.MULTILINE)

    assert re.search(r"^USER binfolio$", final_stage, flags=re.MULTILINE)
    assert published
    assert all(mapping.startswith("127.0.0.1:") for mapping in published)

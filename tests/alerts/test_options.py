"""The [alerts] settings as the services use them: slot lengths from the schedule, switches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from binfolio.config_load import load_settings
from binfolio.domain.alerts import AlertKind
from binfolio.services.alerts import alert_options, slot_length

NOW = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


def test_the_slot_is_the_time_between_two_runs_of_the_schedule() -> None:
    assert slot_length("0 * * * *", NOW) == timedelta(hours=1)
    assert slot_length("0 8 * * *", NOW) == timedelta(days=1)
    # Six fields put seconds first, as the serve loop reads them (once read as 1 s).
    assert slot_length("*/10 * * * * *", NOW) == timedelta(seconds=10)
    assert slot_length("0 */5 * * * *", NOW) == timedelta(minutes=5)
    assert slot_length("*/15 * * * *", NOW) == timedelta(minutes=15)


def test_options_follow_the_settings(tmp_path: Path) -> None:
    environ = {
        "BINFOLIO_DATA_DIR": str(tmp_path),
        "BINFOLIO_COLLECTOR__SCHEDULE_CRON": "0 8 * * *",
        "BINFOLIO_ALERTS__STALE_AFTER_INTERVALS": "3",
        "BINFOLIO_ALERTS__NAV_CHANGE_PCT": "12.5",
        "BINFOLIO_ALERTS__CIRCUIT_FAILURES": "4",
        "BINFOLIO_ALERTS__KINDS__UNPRICED": "false",
        "BINFOLIO_ALERTS__URLS": '["json://127.0.0.1:9000/hook"]',
    }
    settings = load_settings(None, environ=environ, cwd=tmp_path)

    options = alert_options(settings, NOW)

    assert options.thresholds.stale_after == timedelta(days=3)
    assert options.thresholds.nav_change_pct == Decimal("12.5")
    assert options.circuit.failures_to_open == 4
    assert options.circuit.slot == timedelta(days=1)
    assert AlertKind.UNPRICED not in options.enabled
    assert AlertKind.STALE in options.enabled
    assert [url.get_secret_value() for url in settings.alerts.urls] == [
        "json://127.0.0.1:9000/hook"
    ]

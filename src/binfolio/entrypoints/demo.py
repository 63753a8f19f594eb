"""`binfolio demo`: the whole product on the offline Binance, with nothing to configure.

It starts the simulator, opens three accounts there ("HODL", "Trader", "Saver"), writes a
throw-away config (SQLite in a demo folder, keys in 0600 files, the webhook in paper mode) and
hands back the container (:class:`binfolio.bootstrap.App`) every other command uses. The
backfill is in :mod:`demo_backfill`, the live part (servers, one simulated hour a step) in
:mod:`demo_live`.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from binfolio.adapters.secret_box import write_private_file
from binfolio.adapters.storage.database import upgrade
from binfolio.adapters.storage.log_sink import DatabaseLogSink
from binfolio.bootstrap import App, known_secrets
from binfolio.config_load import load_settings
from binfolio.domain.clock import Clock, from_ms, to_ms, utc_now
from binfolio.errors import BinfolioError
from binfolio.log import Redactor, setup_logging
from binfolio.simulator.demo import DEMO_PORTFOLIOS
from binfolio.simulator.testing import Credentials, SimulatorHandle, running_simulator

HOUR = timedelta(hours=1)
DEMO_MARKER = ".binfolio-demo"


class DemoDirectoryError(BinfolioError):
    """The demo directory holds something the demo did not make; it is never wiped."""


def wipe_demo_dir(data_dir: Path) -> None:
    """Remove a previous demo's directory, and nothing else.

    Raises:
        DemoDirectoryError: when the directory exists, is not empty and has no demo marker
            (``--data-dir`` pointed at real data by mistake).
    """
    if not data_dir.exists():
        return
    if not (data_dir / DEMO_MARKER).is_file() and any(data_dir.iterdir()):
        raise DemoDirectoryError(
            f"{data_dir} is not empty and was not made by `binfolio demo`; refusing to wipe it. "
            "Choose an empty or new --data-dir"
        )
    shutil.rmtree(data_dir)


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs."""

    scenario: str = "bull"
    seed: int = 7
    days: int = 90
    port: int = 8000
    """The dashboard's port; the webhook listens on ``port + 1``."""
    step_s: float = 10.0
    """Real seconds between two live steps (one simulated hour each)."""
    steps: int = 0
    """Stop after this many live steps (0: run until Ctrl-C)."""


@dataclass
class Demo:
    """A started demo: the simulator, the container pointed at it, and the demo folder."""

    simulator: SimulatorHandle
    app: App
    config_path: Path
    data_dir: Path
    webhook_secret: str

    def market_clock(self) -> Clock:
        """Our clock follows the simulated market, so snapshot times match its prices.

        Read in process (the demo started this simulator): the dashboard asks it on every
        request, and an HTTP call there would block its event loop.
        """
        state = self.simulator.app.state.sim
        return lambda: from_ms(state.clock.now_ms())


def _toml(value: str | int) -> str:
    # repr() of a str is a valid TOML basic or literal string for the paths and URLs we write.
    return repr(value) if isinstance(value, str) else str(value)


def write_config(data_dir: Path, base_url: str, logins: list[Credentials], port: int) -> str:
    """Write ``binfolio.toml`` for the demo and return the webhook secret it holds."""
    secret = secrets.token_urlsafe(18)
    sections: list[tuple[str, dict[str, str | int]]] = [
        ("", {"data_dir": str(data_dir)}),
        ("[database]", {"url": "sqlite:///" + str(data_dir / "binfolio.db")}),
        ("[binance]", {"base_url": base_url, "futures_base_url": base_url}),
        ("[collector]", {"deadline_s": 30, "schedule_cron": "0 * * * *"}),
        ("[dashboard]", {"host": "127.0.0.1", "port": port}),
        ("[webhook]", {"host": "127.0.0.1", "port": port + 1, "secret": secret}),
        ("[trading]", {"mode": "paper", "csv_dir": str(data_dir / "trades")}),
        # The printed curl sends 20 USDT; the default cap (10) would reject the demo's own signal.
        ("[risk]", {"max_trade_usdt": "100"}),
    ]
    lines = ["# Written by `binfolio demo`: the simulator, a demo SQLite database, paper trading."]
    for header, values in sections:
        lines += [header] if header else []
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    for login in logins:
        key_file, secret_file = data_dir / f"{login.name}.key", data_dir / f"{login.name}.secret"
        write_private_file(key_file, login.api_key)
        write_private_file(secret_file, login.api_secret)
        lines += [
            "[[accounts]]",
            f"name = {login.name!r}",
            f"api_key_file = {str(key_file)!r}",
            f"api_secret_file = {str(secret_file)!r}",
        ]
    write_private_file(data_dir / "binfolio.toml", "\n".join(lines) + "\n")
    return secret


REPLAY = timedelta(days=1)
"""How far behind the present the backfill ends; the live part replays it an hour a step."""


def demo_start(days: int, now: datetime | None = None) -> datetime:
    """Where the backfill starts: ``days`` before the hour a day ago.

    The live part advances the market an hour every step (10 s), far faster than real time;
    ending the backfill a day back lets it do so for the first minutes and then keep pace with
    the clock, so that the market never runs ahead of the present: `binfolio report`, which
    ends its periods at the wall clock's now, then sees the same snapshots as the dashboard.
    """
    hour = (now or utc_now()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - REPLAY - timedelta(days=days)


@contextmanager
def started_demo(options: DemoOptions, data_dir: Path, *, log: bool = True) -> Iterator[Demo]:
    """Start the simulator (frozen clock), open the accounts, and a fresh demo database.

    The demo directory is wiped first: the demo always starts from the same story. ``log``
    installs logging to ``<demo folder>/logs`` (off in tests, which keep pytest's handlers).

    Raises:
        DemoDirectoryError: when ``data_dir`` holds something the demo did not make.
    """
    wipe_demo_dir(data_dir)
    data_dir.mkdir(parents=True, mode=0o700)
    (data_dir / DEMO_MARKER).write_text("made by `binfolio demo`; wiped at its next start\n")
    start_ms = to_ms(demo_start(options.days))
    # speed 0: the market stands still unless the demo moves it, one hour at a time.
    with running_simulator(options.scenario, options.seed, speed=0, start_ms=start_ms) as sim:
        logins = [
            sim.create_account(name, balances=balances)
            for name, balances in DEMO_PORTFOLIOS.items()
        ]
        config_path = data_dir / "binfolio.toml"
        secret = write_config(data_dir, sim.base_url, logins, options.port)
        # An empty environment: the user's own BINFOLIO_*/DATABASE_URL must not leak into the demo.
        settings = load_settings(config_path, environ={}, cwd=data_dir)
        redactor = Redactor(known_secrets(settings, {}))
        sink = DatabaseLogSink() if log else None
        if sink is not None:
            # As `serve`: the log file in the demo folder, and the dashboard's Logs page.
            setup_logging(
                level="INFO",
                file_path=settings.log_file,
                redactor=redactor,
                console_level="ERROR",
                extra_handlers=[sink],
            )
        app = App(
            settings=settings,
            environ={},
            redactor=redactor,
            config_path=config_path,
            log_sink=sink,
        )
        try:
            upgrade(app.engine)
            yield Demo(sim, app, config_path, data_dir, secret)
        finally:
            app.close()

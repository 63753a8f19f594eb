"""Acknowledgement latency of ``binfolio webhook`` under a steady stream of TradingView alerts.

Starts ``binfolio simulator --speed 0`` (the public prices of paper mode) and ``binfolio
webhook`` as processes of their own, with a scratch SQLite database (or ``--url``), the default
paper mode and the default risk limits (10 trades a day: after those, every signal is decided
and rejected by the worker, as under an alert storm). Then an open-loop generator sends distinct
alerts (``Content-Type: text/plain``, as TradingView sends them) at a fixed rate over keep-alive
connections. Latency is measured from each request's *scheduled* time, so a server that falls
behind pays for the queue it causes (no coordinated omission).

1. ``--rate`` (200) requests/s for ``--seconds`` (30): p50/p99 against the 50 ms p99 target,
   every answer must be 200 "accepted".
2. Rising rates, ``--step-seconds`` (10) each, until one is not sustained (p99 over 50 ms, an
   error, or under 95% of the offered rate answered in time): the highest sustained rate.

    .venv/bin/python benchmarks/webhook.py [--rate 200] [--seconds 30] [--url postgresql://…]

Exits 1 when the steady run misses its target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

SECRET = "benchmark-webhook-secret"
P99_TARGET_S = 0.050
CONNECTIONS = 32
_URL = {
    "simulator": re.compile(r"base URL:\s+(\S+)"),
    "webhook": re.compile(r"binfolio webhook at (http://\S+)/webhook"),
}


def binfolio() -> str:
    return str(Path(sys.executable).with_name("binfolio"))


def start(args: list[str], env: dict[str, str], kind: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [binfolio(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = _URL[kind].search(line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{kind} did not start")


def environment(directory: Path, simulator_url: str, database_url: str) -> dict[str, str]:
    config = directory / "binfolio.toml"
    config.touch()
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "PYTHONASYNCIODEBUG"))
        and k not in {"DATABASE_URL", "WEBHOOK_SECRET_KEY"}
    }
    return base | {
        "BINFOLIO_CONFIG": str(config),
        "BINFOLIO_DATA_DIR": str(directory / "data"),
        "BINFOLIO_DATABASE__URL": database_url,
        "BINFOLIO_BINANCE__BASE_URL": simulator_url,
        "BINFOLIO_BINANCE__FUTURES_BASE_URL": simulator_url,
        "BINFOLIO_LOGGING__LEVEL": "WARNING",
        "WEBHOOK_SECRET_KEY": SECRET,
    }


class Load:
    """An open-loop generator: request ``i`` is due at ``start + i / rate``."""

    def __init__(self, url: str, rate: float, seconds: float, prefix: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.rate, self.count, self.prefix = rate, int(rate * seconds), prefix
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def body(self, number: int) -> bytes:
        alert = {
            "secret": SECRET,
            "id": f"{self.prefix}-{number}",
            "symbol": ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")[number % 4],
            "side": "BUY",
            "strategy": "ema-cross",
            "timeframe": "15m",
            "confidence": 75,
            "amount_usdt": "10",
        }
        return json.dumps(alert).encode()

    async def run(self) -> float:
        queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
        workers = [asyncio.create_task(self._connection(queue)) for _ in range(CONNECTIONS)]
        started = time.perf_counter()
        for number in range(self.count):
            due = started + number / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((number, due))
        await queue.join()
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        return elapsed

    async def _connection(self, queue: asyncio.Queue[tuple[int, float]]) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            while True:
                number, due = await queue.get()
                try:
                    body = self.body(number)
                    writer.write(
                        b"POST /webhook HTTP/1.1\r\nHost: %b\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: %d\r\n\r\n%b" % (self.host.encode(), len(body), body)
                    )
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(re.search(rb"(?i)content-length: (\d+)", head)[1])  # type: ignore[index]
                    answer = await reader.readexactly(length)
                    self.latencies.append(time.perf_counter() - due)
                    if not head.startswith(b"HTTP/1.1 200") or b'"accepted"' not in answer:
                        self.errors.append(head.split(b"\r\n", 1)[0].decode() + answer.decode())
                finally:
                    queue.task_done()
        finally:
            writer.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure(url: str, rate: float, seconds: float, prefix: str) -> dict[str, float]:
    load = Load(url, rate, seconds, prefix)
    elapsed = asyncio.run(load.run())
    in_time = sum(1 for latency in load.latencies if latency <= P99_TARGET_S)
    return {
        "rate": rate,
        "sent": load.count,
        "answered": len(load.latencies),
        "errors": len(load.errors),
        "p50": percentile(load.latencies, 0.50),
        "p99": percentile(load.latencies, 0.99),
        "max": max(load.latencies),
        "elapsed": elapsed,
        "in_time": in_time / load.count,
    }


def show(label: str, result: dict[str, float], cpu_s: float | None = None) -> None:
    cpu = f", webhook CPU {cpu_s / result['elapsed'] * 100:.0f}% of a core" if cpu_s else ""
    print(
        f"{label}: {result['sent']:.0f} alerts at {result['rate']:.0f}/s over "
        f"{result['elapsed']:.1f} s: p50 {result['p50'] * 1000:.1f} ms, p99 "
        f"{result['p99'] * 1000:.1f} ms, max {result['max'] * 1000:.1f} ms, "
        f"errors {result['errors']:.0f}{cpu}"
    )


def sustained(result: dict[str, float]) -> bool:
    return result["errors"] == 0 and result["p99"] <= P99_TARGET_S and result["in_time"] >= 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="steady alerts per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="steady run duration")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="each rising step")
    parser.add_argument("--rates", default="250,300,400,500,600,800,1000")
    parser.add_argument("--url", help="database URL (default: a scratch SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="binfolio-webhook-bench-") as scratch:
        directory = Path(scratch)
        database_url = args.url or f"sqlite:///{directory / 'binfolio.db'}"
        simulator, simulator_url = start(
            ["simulator", "--port", "0", "--speed", "0"], dict(os.environ), "simulator"
        )
        env = environment(directory, simulator_url, database_url)
        webhook = None
        try:
            subprocess.run([binfolio(), "db", "upgrade"], env=env, check=True, capture_output=True)
            webhook, url = start(["webhook", "--port", "0"], env, "webhook")
            while httpx.get(f"{url}/health").status_code != 200:
                time.sleep(0.05)
            measure(url, 50, 2, "warm-up")
            server = psutil.Process(webhook.pid)
            cpu_before = sum(server.cpu_times()[:2])
            steady = measure(url, args.rate, args.seconds, "steady")
            show("steady", steady, sum(server.cpu_times()[:2]) - cpu_before)
            best = args.rate if sustained(steady) else 0.0
            for rate in (float(r) for r in args.rates.split(",")):
                step = measure(url, rate, args.step_seconds, f"step-{rate:.0f}")
                show(f"step {rate:.0f}/s", step)
                if not sustained(step):
                    break
                best = rate
            decided = httpx.get(
                f"{url}/status", headers={"Authorization": f"Bearer {SECRET}"}
            ).json()
            print(
                f"highest sustained rate: {best:.0f} alerts/s (p99 <= 50 ms, no errors); "
                f"trades today {decided['trades_today']}, still queued {decided['queued']}"
            )
        finally:
            for process in (webhook, simulator):
                if process is not None:
                    process.terminate()
                    process.communicate(timeout=30)
    ok = sustained(steady)
    print("steady target (p99 < 50 ms, no errors):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Signed requests per second served by the Binance simulator.

Starts ``binfolio simulator`` as its own process (so the server has its own interpreter and
GIL), lifts its weight limits through the admin API, then runs ``--concurrency`` httpx async
clients, each sending signed ``GET /api/v3/account`` (HMAC check, timestamp check, weight
accounting, account serialisation: the full hot path) for ``--seconds``. Prints requests per
second and latency percentiles.

    .venv/bin/python benchmarks/simulator.py [--concurrency 32] [--seconds 10] [--workers 1]

``--workers`` runs that many client processes (each with ``--concurrency`` clients) so that
the client side is not the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

TARGET_PER_S = 500


def start_simulator() -> tuple[subprocess.Popen[str], str, str, str]:
    binfolio = str(Path(sys.executable).with_name("binfolio"))
    process = subprocess.Popen(
        [binfolio, "simulator", "--port", "0", "--speed", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    printed: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        match = re.match(r"(base URL|API key|API secret):\s+(\S+)", line)
        if match:
            printed[match[1]] = match[2]
        if "API secret" in printed:
            break
    return process, printed["base URL"], printed["API key"], printed["API secret"]


async def client_loop(
    url: str, key: str, secret: str, deadline: float, latencies: list[float]
) -> int:
    errors = 0
    async with httpx.AsyncClient(base_url=url, headers={"X-MBX-APIKEY": key}) as client:
        while time.perf_counter() < deadline:
            query = f"omitZeroBalances=true&recvWindow=10000&timestamp={int(time.time() * 1000)}"
            signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
            started = time.perf_counter()
            response = await client.get(f"/api/v3/account?{query}&signature={signature}")
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1
    return errors


async def raw_client_loop(
    url: str, key: str, secret: str, deadline: float, latencies: list[float]
) -> int:
    """A minimal keep-alive HTTP/1.1 client: costs the load generator far less CPU than httpx,
    so that on a small machine the figure measures the server rather than the client."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    errors = 0
    try:
        while time.perf_counter() < deadline:
            query = f"omitZeroBalances=true&recvWindow=10000&timestamp={int(time.time() * 1000)}"
            signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
            request = (
                f"GET /api/v3/account?{query}&signature={signature} HTTP/1.1\r\n"
                f"Host: {host}\r\nX-MBX-APIKEY: {key}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
    finally:
        writer.close()
    return errors


async def run_clients(
    url: str, key: str, secret: str, concurrency: int, seconds: float, kind: str
) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    loop = raw_client_loop if kind == "raw" else client_loop
    results = await asyncio.gather(
        *(loop(url, key, secret, deadline, latencies) for _ in range(concurrency))
    )
    return len(latencies), sum(results), latencies


def worker(args: tuple[str, str, str, int, float, str]) -> tuple[int, int, list[float]]:
    return asyncio.run(run_clients(*args))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32, help="clients per worker process")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration")
    parser.add_argument("--workers", type=int, default=1, help="client processes")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="load generator (raw: cheapest)"
    )
    args = parser.parse_args()

    process, url, key, secret = start_simulator()
    try:
        httpx.post(f"{url}/_sim/limits", json={"api_weight_1m": 10**9}).raise_for_status()
        worker((url, key, secret, 4, 1.0, args.client))  # warm up: connections, caches
        httpx.delete(f"{url}/_sim/requests").raise_for_status()
        server = psutil.Process(process.pid)
        cpu_before = server.cpu_times()
        started = time.perf_counter()
        with multiprocessing.Pool(args.workers) as pool:
            job = (url, key, secret, args.concurrency, args.seconds, args.client)
            parts = pool.map(worker, [job] * args.workers)
        elapsed = time.perf_counter() - started
        cpu_after = server.cpu_times()
        server_cpu_s = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        served = len(httpx.get(f"{url}/_sim/requests").json()["requests"])
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()

    total = sum(p[0] for p in parts)
    failed = sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    rate = total / args.seconds
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(
        f"signed GET /api/v3/account: {total} requests in {args.seconds:.0f} s "
        f"({args.workers} {args.client} client process(es) x {args.concurrency} connections; "
        f"wall {elapsed:.1f} s)"
    )
    print(f"  throughput: {rate:.0f} requests/s (target >= {TARGET_PER_S}); log holds {served}")
    mean = statistics.fmean(latencies)
    print(f"  latency: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, mean {mean * 1000:.1f} ms")
    print(
        f"  server CPU: {server_cpu_s / elapsed * 100:.0f}% of one core, "
        f"{server_cpu_s / total * 1e6:.0f} us per request"
    )
    print(f"  non-200 answers: {failed}")
    return 0 if rate >= TARGET_PER_S and not failed else 1


if __name__ == "__main__":
    sys.exit(main())

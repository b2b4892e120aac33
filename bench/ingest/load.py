"""The load generator, run as its own process so that it does not share the server's event
loop or interpreter lock: ``concurrency`` workers over as many keep-alive connections post
distinct signed alerts to 127.0.0.1 until ``seconds`` pass or ``max_requests`` are sent, and the
result is printed as one JSON object.

    python -m bench.ingest.load --port 8080 --source generic --seconds 10 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

from bench.ingest.alerts import SOURCES, delivery

__all__ = ["LoadResult", "generate", "main", "run_generator"]

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"  # loopback only: this process never sends anywhere else


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int  # answered, whatever the status
    statuses: dict[str, int]  # "202": count
    failures: dict[str, int]  # exception name: count (no answer at all)
    elapsed: float  # seconds from the first request sent to the last answer read
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def generate(
    *,
    port: int,
    source: str,
    seconds: float,
    concurrency: int,
    max_requests: int,
    first: int = 0,
    services: int = 1,
) -> LoadResult:
    """Post alerts ``first``, ``first + 1``... of ``source`` to ``/webhooks/<source>`` on
    127.0.0.1:``port`` (two generators in one run take disjoint ranges, so neither's alerts are
    the other's duplicates); ``services`` spreads generic alerts over that many services."""
    url = f"http://{HOST}:{port}/webhooks/{source}"
    numbers = itertools.count(first)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    last_answer = 0.0

    async def worker(http: aiohttp.ClientSession, deadline: float) -> None:
        nonlocal last_answer
        for n in numbers:
            if n - first >= max_requests or time.perf_counter() >= deadline:
                return
            body, headers = delivery(source, n, services=services)
            sent = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                failures[type(exc).__name__] += 1
                continue
            last_answer = time.perf_counter()
            latencies.append(last_answer - sent)
            statuses[str(response.status)] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        start = time.perf_counter()
        await asyncio.gather(*(worker(http, start + seconds) for _ in range(concurrency)))
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        statuses=dict(statuses),
        failures=dict(failures),
        elapsed=max(last_answer - start, 1e-9),
        p50_ms=_percentile(latencies, 0.50),
        p90_ms=_percentile(latencies, 0.90),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=_percentile(latencies, 1.0),
    )


async def run_generator(
    port: int,
    *,
    source: str,
    seconds: float,
    concurrency: int,
    first: int = 0,
    services: int = 1,
) -> LoadResult:
    """Run this generator as a process of its own (not sharing the server's event loop or
    interpreter lock) against 127.0.0.1:``port`` and read its result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.ingest.load",
        f"--port={port}",
        f"--source={source}",
        f"--seconds={seconds}",
        f"--concurrency={concurrency}",
        f"--first={first}",
        f"--services={services}",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the load generator exited with {process.returncode}")
    return LoadResult(**json.loads(out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", choices=SOURCES, default="generic")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--first", type=int, default=0, help="the first alert's number")
    parser.add_argument("--services", type=int, default=1, help="generic alerts only")
    args = parser.parse_args(argv)
    result = asyncio.run(
        generate(
            port=args.port,
            source=args.source,
            seconds=args.seconds,
            concurrency=args.concurrency,
            max_requests=args.max_requests,
            first=args.first,
            services=args.services,
        )
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()

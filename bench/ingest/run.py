"""Ingest benchmark: accepted alerts per second, the bot's webhook server against a bare aiohttp
handler, each loaded from a separate process over loopback. See bench/README.md.

    python -m bench.ingest.run --seconds 10 --concurrency 32 64 --source generic [--json]
        [--sign] [--postgres]

For each concurrency it measures the bare handler, then the bot on a fresh SQLite database (or,
with ``--postgres``, a fresh PostgreSQL database: see bench/ingest/postgres.py), and afterwards
checks that the database holds exactly one signal per 202 answer, each recorded as
accepted in the (verified) audit chain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.ingest.alerts import SOURCES
from bench.ingest.load import LoadResult, run_generator
from bench.ingest.postgres import durable_postgres, fresh_database
from bench.ingest.servers import bare_server, bot_server, stored

__all__ = ["Measurement", "main", "measure"]

# The product owner's target for the bot's accept path on this 2-core machine.
TARGET_RATE = 1000.0
TARGET_RATIO = 0.30


@dataclass(frozen=True, slots=True)
class Measurement:
    target: str  # "bare" or "bot"
    source: str
    concurrency: int
    load: LoadResult
    expected_status: int
    stored_signals: int | None = None  # bot only: rows in the database afterwards
    stored_audits: int | None = None  # signals the audit chain records as accepted

    @property
    def accepted(self) -> int:
        return self.load.statuses.get(str(self.expected_status), 0)

    @property
    def rate(self) -> float:
        return self.accepted / self.load.elapsed

    @property
    def errors(self) -> int:
        """Answers other than the expected one, and requests that got no answer."""
        return self.load.requests - self.accepted + sum(self.load.failures.values())

    @property
    def stored_matches(self) -> bool | None:
        if self.stored_signals is None:
            return None
        return self.stored_signals == self.accepted == self.stored_audits


async def measure(
    target: str,
    *,
    source: str,
    seconds: float,
    concurrency: int,
    workdir: Path,
    sign: bool = False,
    postgres: str | None = None,
) -> Measurement:
    """Start ``target`` ("bare" or "bot"), load it, and for the bot count what it stored. The
    bot stores into a fresh SQLite file, or a fresh database on the ``postgres`` server (an
    admin URL)."""
    if target == "bare":
        async with bare_server() as listening:
            load = await run_generator(
                listening.port, source=source, seconds=seconds, concurrency=concurrency
            )
        return Measurement(target, source, concurrency, load, expected_status=200)
    async with contextlib.AsyncExitStack() as stack:
        if postgres is None:
            url = f"sqlite+aiosqlite:///{workdir / f'bot-{source}-{concurrency}.sqlite3'}"
        else:
            url = await stack.enter_async_context(fresh_database(postgres))
        listening = await stack.enter_async_context(bot_server(url, sign=sign))
        assert listening.sessions is not None
        load = await run_generator(
            listening.port, source=source, seconds=seconds, concurrency=concurrency
        )
        signals, audits = await stored(listening.sessions)
    return Measurement(target, source, concurrency, load, 202, signals, audits)


async def _runs(args: argparse.Namespace) -> AsyncIterator[Measurement]:
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-"))
        postgres = stack.enter_context(durable_postgres()) if args.postgres else None
        for concurrency in args.concurrency:
            for target in ("bare", "bot"):
                yield await measure(
                    target,
                    source=args.source,
                    seconds=args.seconds,
                    concurrency=concurrency,
                    workdir=Path(workdir),
                    sign=args.sign,
                    postgres=postgres,
                )


def _machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _table(measurements: list[Measurement]) -> str:
    bare = {m.concurrency: m.rate for m in measurements if m.target == "bare"}
    lines = [
        f"{'target':<6} {'source':<12} {'conc':>4} {'answered':>9} {'accepted/s':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs bare':>7}  stored == 202s",
    ]
    for m in measurements:
        ratio = f"{m.rate / bare[m.concurrency]:.0%}" if m.target == "bot" else ""
        check = {None: "", True: f"yes ({m.stored_signals})", False: "NO"}[m.stored_matches]
        if m.stored_matches is False:
            check += f" ({m.stored_signals} signals, {m.stored_audits} audited, {m.accepted} 202s)"
        lines.append(
            f"{m.target:<6} {m.source:<12} {m.concurrency:>4} {m.load.requests:>9} "
            f"{m.rate:>10.0f} {m.load.p50_ms:>7.1f} {m.load.p99_ms:>7.1f} {m.errors:>6} "
            f"{ratio:>7}  {check}"
        )
    return "\n".join(lines)


def _verdict(measurements: list[Measurement]) -> dict[str, object]:
    bare = {m.concurrency: m.rate for m in measurements if m.target == "bare"}
    bots = [m for m in measurements if m.target == "bot"]
    best = max(bots, key=lambda m: m.rate)
    ratio = best.rate / bare[best.concurrency]
    return {
        "best_rate": round(best.rate, 1),
        "best_concurrency": best.concurrency,
        "ratio_to_bare": round(ratio, 3),
        "target_rate": TARGET_RATE,
        "target_ratio": TARGET_RATIO,
        "met": best.rate >= TARGET_RATE and ratio >= TARGET_RATIO,
        "stored_matches": all(m.stored_matches for m in bots),
    }


def _as_json(m: Measurement) -> dict[str, object]:
    return {
        "target": m.target,
        "source": m.source,
        "concurrency": m.concurrency,
        "accepted": m.accepted,
        "accepted_per_second": round(m.rate, 1),
        "errors": m.errors,
        "stored_signals": m.stored_signals,
        "stored_audits": m.stored_audits,
        "stored_matches": m.stored_matches,
        **asdict(m.load),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per side (default 10)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--source", choices=SOURCES, default="generic")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--sign", action="store_true", help="sign the audit rows, as with AUDIT_SIGNING_KEY"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="store into PostgreSQL (BENCH_POSTGRES_URL, or a throwaway durable server)",
    )
    args = parser.parse_args(argv)

    async def collect() -> list[Measurement]:
        return [m async for m in _runs(args)]

    measurements = asyncio.run(collect())
    verdict = _verdict(measurements)
    if args.json:
        report = {
            "machine": _machine(),
            "seconds": args.seconds,
            "runs": [_as_json(m) for m in measurements],
            "verdict": verdict,
        }
        print(json.dumps(report, indent=2))
    else:
        machine = _machine()
        print(f"{machine['cpus']} CPUs, Python {machine['python']}, {args.seconds:g} s per side")
        print(_table(measurements))
        met = "met" if verdict["met"] else "NOT met"
        print(
            f"target (>= {TARGET_RATE:.0f} alerts/s and >= {TARGET_RATIO:.0%} of bare): {met}; "
            f"best {verdict['best_rate']:.0f}/s at concurrency {verdict['best_concurrency']}, "
            f"{verdict['ratio_to_bare']:.0%} of bare"
        )
    return 0 if verdict["stored_matches"] else 1


if __name__ == "__main__":
    sys.exit(main())

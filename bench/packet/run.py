"""bench/packet: from an alert's 202 to its packet in the channel, with slow evidence sources.

The real bot in this process (``start_runtime``, as the end-to-end tests and the demo run it:
the webhook server, the pipeline worker, the Bolt app over Socket Mode) with the local Slack
emulator. Every evidence port (deploys, metrics, cluster, flags, calendar) answers after
150 ms and one (logs) after 900 ms, from the ``billing-parser-deploy`` replay scenario. So no
packet can appear sooner than 900 ms after its alert: that is the floor.

N alerts for N distinct services (so N incidents, N channels, N packets) are sent signed, one
by one, each after the previous packet appeared; then the same in groups sent at once
(``--concurrent``). Latency is from the 202 (wall clock, taken as the response arrives) to the
packet message's ``ts`` in the emulator (the time the emulator stored it, in microseconds), so
polling does not add to it.

With ``--history N`` (default 10,000) the database holds N resolved incidents before the first
alert (``bench/packet/history.py``), so every packet's history query (issue 17: similar past
incidents) runs against a table of that size; ``--history 0`` measures without.

Slack's rate limits are off by default: the bench measures the bot, and ``bench/storm``
measures Slack's channel budget (``--slack-limits`` turns them on; channels beyond the budget
then wait for it).

Run: ``.venv/bin/python -m bench.packet.run [--alerts 20] [--concurrent 4] [--history 10000]
[--timeline] [--json]``

It prints, per mode, p50, p95 and max, the number of past incidents, and the load average
(1, 5, 15 minutes) at the start and at the end; ``--timeline`` (bench/packet/timeline.py) also
prints the step-by-step timeline of each mode's slowest packet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bench.packet.history import seed_history
from bench.packet.latent import latent_sources
from bench.packet.timeline import Timeline
from bot.app import Runtime, start_runtime
from bot.catalog import load_catalog
from bot.clock import ReplayClock
from bot.scenario.loader import load_scenario
from bot.settings import load_settings
from bot.wiring.evidence import SHIPPED_SCENARIOS
from handlers.webhooks.auth import signed_headers
from integrations.replay import ReplayEvidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig

SECRET = "packet-secret"
SCENARIO = "billing-parser-deploy.yaml"
SCENARIO_SERVICE = "billing-webhooks"  # whose recorded evidence every bench service gets
TARGET_OVER_FLOOR_S = 0.300


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary(latencies: list[float], floor: float) -> dict[str, Any]:
    p95 = _percentile(latencies, 0.95)
    return {
        "packets": len(latencies),
        "p50_s": round(statistics.median(latencies), 3),
        "p95_s": round(p95, 3),
        "max_s": round(max(latencies), 3),
        "floor_s": floor,
        "p95_over_floor_s": round(p95 - floor, 3),
        "target_met": p95 <= floor + TARGET_OVER_FLOOR_S,
    }


async def _start(
    workdir: Path, services: list[str], args: argparse.Namespace, timeline: Timeline | None
) -> Runtime:
    scenario = load_scenario(SHIPPED_SCENARIOS / SCENARIO)
    catalog_file = workdir / "catalog.yaml"
    catalog_file.write_text(
        yaml.safe_dump(
            {"services": [{"service": name, "owner": "payments-platform"} for name in services]}
        )
    )
    catalog = scenario.to_catalog().merged(load_catalog(catalog_file))
    sources = latent_sources(
        ReplayEvidence([scenario]),
        service=SCENARIO_SERVICE,
        latency=args.latency,
        slow_latency=args.slow_latency,
        trace=timeline.mark if timeline is not None else None,
    )
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{workdir}/packet.sqlite3",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        generic_webhook_secret=SECRET,
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=(sources, catalog),
        emulator_config=EmulatorConfig(port=0, rate_limits_enabled=args.slack_limits),
    )
    if timeline is not None:
        timeline.attach(runtime.engine)
    if args.history:
        mark = time.perf_counter()
        await seed_history(
            runtime.sessions, count=args.history, services=services, now=scenario.now
        )
        if args.verbose:
            print(f"{args.history} past incidents stored in {time.perf_counter() - mark:.1f} s")
    return runtime


async def _packet_times(
    people: EmulatorClient, services: list[str], timeout: float = 120.0
) -> list[float]:
    """The ``ts`` (epoch seconds) of each service's packet, once all are in their channels.

    One poller for the whole group, every 50 ms: the emulator shares the bot's event loop, so
    the bench's own requests compete with the bot it measures (four pollers every 20 ms were a
    fifth of the loop). The figure is the packet's ``ts``, so the interval adds nothing to it."""
    found: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        channels = await people.channels()
        for service in services:
            if service in found:
                continue
            for channel in channels:
                if channel["name"].endswith(f"-{service}"):
                    for message in await people.messages(channel["id"]):
                        if "Incident packet" in (message.get("text") or ""):
                            found[service] = float(message["ts"])
        if len(found) == len(services):
            return [found[service] for service in services]
        await asyncio.sleep(0.05)
    missing = sorted(set(services) - set(found))
    raise TimeoutError(f"no packet for {missing} within {timeout:g}s")


async def _send(
    http: aiohttp.ClientSession,
    url: str,
    service: str,
    severity: str,
    timeline: Timeline | None = None,
) -> float:
    """Post one signed alert; the wall-clock time its 202 arrived."""
    body = json.dumps(
        {"service": service, "title": f"{service} 5xx error rate high", "severity": severity}
    ).encode()
    if timeline is not None:
        timeline.mark(f"alert sent ({service})")
    async with http.post(
        f"{url}/webhooks/generic", data=body, headers=signed_headers("generic", body, SECRET)
    ) as response:
        accepted = time.time()
        if timeline is not None:
            timeline.mark(f"202 ({service})", at=accepted)
        if response.status != 202:
            raise RuntimeError(f"{service}: {response.status} {await response.text()}")
    return accepted


async def _measure(groups: list[list[str]], args: argparse.Namespace) -> list[float]:
    """Send each group's alerts at once, the next group once the last one's packets are in;
    the seconds from each 202 to its packet. A fresh bot (and Slack budget) per call. With
    ``--timeline``, the slowest packet's timeline is printed."""
    latencies: list[float] = []
    timeline = Timeline() if args.timeline else None
    slowest: tuple[float, float, float, str] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-packet-") as folder:
        runtime = await _start(Path(folder), [s for group in groups for s in group], args, timeline)
        assert runtime.emulator is not None
        try:
            async with (
                aiohttp.ClientSession() as http,
                EmulatorClient(runtime.emulator.base_url) as people,
            ):
                for group in groups:
                    began = time.time()
                    url = runtime.webhook_url
                    sent = await asyncio.gather(
                        *(_send(http, url, s, args.severity, timeline) for s in group)
                    )
                    posted = await _packet_times(people, group)
                    latencies.extend(p - a for p, a in zip(posted, sent, strict=True))
                    for service, p, a in zip(group, posted, sent, strict=True):
                        if slowest is None or p - a > slowest[2] - slowest[1]:
                            slowest = (began, a, p, service)
                    if args.verbose:
                        print([round(p - a, 3) for p, a in zip(posted, sent, strict=True)])
        finally:
            if timeline is not None:
                timeline.stop()
            await runtime.stop()
    if timeline is not None and slowest is not None:
        print(
            f"timeline of the slowest packet ({slowest[3]}, {slowest[2] - slowest[1]:.3f} s):\n"
            + timeline.render(*slowest[:3]),
            file=sys.stderr,
        )
    return latencies


async def run(args: argparse.Namespace) -> dict[str, Any]:
    floor = max(args.latency, args.slow_latency)
    result: dict[str, Any] = {
        "severity": args.severity,
        "slack_limits": args.slack_limits,
        "source_latency_s": args.latency,
        "slow_source_latency_s": args.slow_latency,
        "past_incidents": args.history,
        "started_at_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "load_average_at_start": [round(figure, 2) for figure in os.getloadavg()],
    }
    one_by_one = [[f"seq-{number:03d}"] for number in range(args.alerts)]
    result["one_by_one"] = _summary(await _measure(one_by_one, args), floor)
    if args.groups and args.concurrent > 1:
        together = [
            [f"con-{group:02d}-{member}" for member in range(args.concurrent)]
            for group in range(args.groups)
        ]
        result[f"{args.concurrent}_at_once"] = _summary(await _measure(together, args), floor)
    result["load_average_at_end"] = [round(figure, 2) for figure in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=15, help="services sent one by one")
    parser.add_argument("--concurrent", type=int, default=4, help="services sent at once")
    parser.add_argument("--groups", type=int, default=3, help="groups sent at once (0: none)")
    parser.add_argument("--latency", type=float, default=0.150, help="seconds, every source")
    parser.add_argument("--slow-latency", type=float, default=0.900, help="seconds, logs")
    parser.add_argument("--history", type=int, default=10_000, help="past incidents stored")
    parser.add_argument("--severity", default="warning", help="generic severity word or sevN")
    parser.add_argument("--slack-limits", action="store_true", help="Slack's rate limits on")
    parser.add_argument("--verbose", action="store_true", help="print each group's latencies")
    parser.add_argument(
        "--timeline", action="store_true", help="print the slowest packet's step-by-step timeline"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, figure in value.items():
                print(f"{name:>20}: {figure}")
        else:
            print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()

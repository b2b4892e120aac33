"""bench/evaluation: how many scenarios a second ``incident-bot eval`` replays on one core, and
the process's peak memory after 1,000 triaged incidents.

In this process, pinned to one CPU (``os.sched_setaffinity``): the shipped ``scenarios/`` are
loaded once (with the shipped runbooks, as ``eval`` does) and replayed through
``bot.evaluation.replay.replay_scenario`` over and over, each on its own throwaway SQLite copy
of one migrated database, until ``--incidents`` (1,000) incidents were triaged (each replay
triages its scenario's main incident). Scenarios a second is replays over wall time; the split
by stage is the replay's own timing. Memory is this process's ``VmRSS`` before the first replay
and its peak ``VmHWM`` at the end, from ``/proc/self/status`` (Linux only).

Run: ``.venv/bin/python -m bench.evaluation.run [--incidents 1000] [--cpu 0] [--json] [PATH...]``
(scenario files or folders; the shipped ``scenarios/`` by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.db import create_engine, upgrade_database
from bot.evaluation.replay import replay_scenario
from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks
from bot.scenario.loader import load_scenarios, scenario_files
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence

TARGET_PEAK_MIB = 300


def _memory_mib() -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of this process, in MiB."""
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = round(int(rest.split()[0]) / 1024, 1)
    return found


async def _migrated(path: Path) -> Path:
    """An empty database with every migration applied, for each replay to copy (as ``eval``)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()
    return path


async def run(incidents: int, paths: list[Path] | None = None) -> dict[str, Any]:
    runbooks = load_runbooks((SHIPPED_RUNBOOKS,))
    files = scenario_files(paths or [SHIPPED_SCENARIOS])
    scenarios = load_scenarios(files, known_runbooks=runbooks.ids)
    stages: dict[str, float] = {}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as folder:
        migrated = await _migrated(Path(folder) / "migrated.sqlite3")
        before = _memory_mib()
        started = time.perf_counter()
        cpu_started = time.process_time()
        done = 0
        while done < incidents:
            for path, scenario in zip(files, scenarios, strict=True):
                if done == incidents:
                    break
                replayed = await replay_scenario(  # with the dependencies' evidence, as eval
                    scenario,
                    path,
                    evidence_for=lambda one: replay_evidence([one]),
                    runbooks=runbooks,
                    database_folder=Path(folder),
                    migrated=migrated,
                )
                failed += not replayed.passed
                for stage, ms in replayed.timings.items():
                    stages[stage] = stages.get(stage, 0.0) + ms
                done += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    after = _memory_mib()
    return {
        "cpus": sorted(os.sched_getaffinity(0)),
        "scenario_files": len(files),
        "incidents_triaged": done,
        "replays_failing_expectations": failed,
        "seconds": round(elapsed, 1),
        "scenarios_per_second": round(done / elapsed, 1),
        # On a shared machine wall time counts other processes' turns too; CPU time does not.
        "cpu_seconds": round(cpu, 1),
        "scenarios_per_cpu_second": round(done / cpu, 1),
        "mean_ms_by_stage": {stage: round(ms / done, 1) for stage, ms in stages.items()},
        "rss_before_mib": before["VmRSS"],
        "rss_after_mib": after["VmRSS"],
        "peak_rss_mib": after["VmHWM"],
        "peak_target_mib": TARGET_PEAK_MIB,
        "peak_target_met": after["VmHWM"] < TARGET_PEAK_MIB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU to run on")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "paths", nargs="*", type=Path, help="scenario files or folders (default: shipped)"
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    result = asyncio.run(run(args.incidents, args.paths))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>30}: {value}")


if __name__ == "__main__":
    main()

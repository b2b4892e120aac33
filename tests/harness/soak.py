"""Run the tests that kill and restart bots (crash recovery and replicas) many times in a row,
optionally while CPU burners load the machine, and say how many runs passed.

Issue 15's bar: 20 runs in a row pass while another full test run loads the machine. Each run
is one ``pytest`` process (nothing is shared between runs); a failing run's output and its
bots' logs are kept under ``--keep`` for the diagnosis. ``--burn N`` starts N CPU burners (busy
loops at the same niceness as the runs) for the whole soak, so the load is reproducible
without another test run; the machine's load average is sampled after every run.

Run from the project's root:

    python -m tests.harness.soak --runs 20 --burn 2 [--keep var/soak] [--stop-on-failure]
    python -m tests.harness.soak --runs 5 -- tests/e2e/test_replicas.py   # other tests

It exits 0 only when every run passed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SOAKED_TESTS", "main"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOAKED_TESTS = ("tests/e2e/test_crash_recovery.py", "tests/e2e/test_replicas.py")
BURNER = "while True: pass"


@dataclass(frozen=True)
class Run:
    number: int
    passed: bool
    seconds: float
    load: tuple[float, float, float]
    summary: str


def _summary(output: str) -> str:
    """pytest's last line (``8 passed in 61.2s``), and the failures' short lines."""
    lines = [line for line in output.splitlines() if line.strip()]
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return "; ".join([*failed, lines[-1] if lines else "(no output)"])


def _run(number: int, tests: list[str], keep: Path) -> Run:
    basetemp = keep / f"run-{number:02d}"
    keep.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *tests,
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={basetemp}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    basetemp.mkdir(exist_ok=True)
    (basetemp / "pytest.out").write_text(output)
    run = Run(
        number,
        completed.returncode == 0,
        time.monotonic() - started,
        os.getloadavg(),
        _summary(output),
    )
    if run.passed:  # only a failure's bots' logs are worth the disk
        subprocess.run(["rm", "-rf", str(basetemp)], check=False)
    return run


def _burners(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", BURNER]) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burn", type=int, default=0, help="CPU burners during the soak")
    parser.add_argument("--keep", type=Path, default=PROJECT_ROOT / "var" / "soak")
    parser.add_argument("--stop-on-failure", action="store_true")
    parser.add_argument("tests", nargs="*", default=list(SOAKED_TESTS))
    args = parser.parse_args(argv)
    keep: Path = args.keep.resolve()
    # A soak stopped with SIGTERM still stops its burners (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    burners = _burners(args.burn)
    runs: list[Run] = []
    try:
        for number in range(1, args.runs + 1):
            run = _run(number, args.tests, keep)
            runs.append(run)
            load = " ".join(f"{value:.2f}" for value in run.load)
            verdict = "pass" if run.passed else "FAIL"
            print(
                f"run {number:2d}/{args.runs}: {verdict} in {run.seconds:5.1f}s,"
                f" load average {load}: {run.summary}",
                flush=True,
            )
            if not run.passed and args.stop_on_failure:
                break
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    passed = sum(run.passed for run in runs)
    peak = max((run.load[0] for run in runs), default=0.0)
    print(
        f"{passed}/{len(runs)} runs passed ({args.burn} CPU burners; peak 1-minute load average"
        f" {peak:.2f} on {os.cpu_count()} cores); failed runs' output and logs: {keep}"
    )
    return 0 if runs and passed == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())

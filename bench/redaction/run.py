"""Redaction speed: what it costs to pass text through :func:`bot.redaction.redact` before it
leaves for Slack or an LLM. Prints numbers; asserts nothing.

    python -m bench.redaction.run [--repeat 200]

Three loads: the corpus lines one by one (short log lines, most with no finding), a packet-sized
text without secrets, and 100 KB texts shaped to make careless patterns backtrack.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.redaction import redact

__all__ = ["main"]

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "unit" / "redaction_corpus"
PACKET = (
    "Incident packet\nService: billing-webhooks\nSeverity: sev2\nFirst seen: 14:03 UTC\n"
    "Signals:\n- Error rate rose from 0.4% to 12.3% at 14:02 (deploy 9f1c2ab by dana)\n"
    "- p99 2340ms vs baseline 180ms, pod billing-webhooks-7f9c6d8b5-x2kqp restarted 4 times\n"
) * 8
ADVERSARIAL = {
    "dotted words": "a." * 50_000,
    "unclosed quote": '"password": "' + "x" * 100_000,
    "digit runs": "1-" * 50_000,
    "at signs": "a@" * 50_000,
    "pem headers": "-----BEGIN PRIVATE KEY-----" * 3_700,
}


def _seconds(work: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat

    lines = [entry["text"] for entry in yaml.safe_load((CORPUS / "positive.yaml").read_text())]
    lines += yaml.safe_load((CORPUS / "negative.yaml").read_text())
    per_pass = _seconds(lambda: [redact(line) for line in lines], repeat)
    print(f"corpus: {len(lines) / per_pass:,.0f} lines/s ({len(lines)} lines)")
    print(f"packet: {_seconds(lambda: redact(PACKET), repeat) * 1e6:,.0f} µs ({len(PACKET)} chars)")
    for name, text in ADVERSARIAL.items():
        cost = _seconds(lambda text=text: redact(text), max(1, repeat // 50))
        print(f"{name}: {cost * 1e3:,.1f} ms ({len(text):,} chars)")


if __name__ == "__main__":
    main()

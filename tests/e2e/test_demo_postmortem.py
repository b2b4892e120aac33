"""The demo incident's postmortem from outside: ``incident-bot demo`` plays the shipped scenario
into a database (the rollback, the commander confirming the cause, the resolution), then
``incident-bot postmortem INC-1`` drafts it from that database with no Slack running. It exits
0; the timeline follows the audit chain's order; durations end at resolution; the confirmed
cause names who confirmed it; and no user id, plan hash or audit internal is in the text."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.slow

AUDIT_ORIGIN = re.compile(r"^- \*\*E\d+\*\* `[^`]+` .* _\(audit #(\d+)\)_$", re.MULTILINE)


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "ANTHROPIC_", "DATABASE_URL"))
        },
        "HOST": "127.0.0.1",
        "PORT": "0",
        "SLACK_EMULATOR_PORT": "0",
    }


async def test_the_demo_incidents_postmortem_is_ordered_closed_named_and_clean(
    tmp_path: Path,
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3"
    env = _environment(tmp_path)

    demo = await run_cli(env, "demo", "--database-url", database)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "dana confirms the leading hypothesis as the cause" in demo.stdout

    drafted = await run_cli({**env, "DATABASE_URL": database}, "postmortem", "INC-1")
    assert drafted.returncode == 0, drafted.stderr
    markdown = drafted.stdout

    # The timeline: audit rows in the chain's order, the last one the resolution.
    seqs = [int(n) for n in AUDIT_ORIGIN.findall(markdown)]
    assert len(seqs) >= 15
    assert seqs == sorted(seqs)
    timeline = markdown.split("\n## Timeline\n", 1)[1].split("\n## ")[0]
    assert timeline.index("Action #1 (rollback of payments/billing-webhooks) succeeded") < (
        timeline.index("Action #1 (rollback of payments/billing-webhooks) verified")
    )
    assert "Incident resolved by dana" in timeline

    # Durations end at resolution, never at the clock of the draft.
    assert "- Duration: 3 min, from the first signal at 2026-03-04 14:03:00 UTC to resolution" in (
        markdown
    )
    assert "still open" not in markdown
    assert "so far" not in markdown

    # The cause the commander confirmed, by display name.
    root = markdown.split("\n## Root cause and contributing factors\n", 1)[1].split("\n## ")[0]
    assert "(confidence 0.91) — **confirmed** by the incident commander (dana): “the rollback " in (
        root
    )

    # No user ids, plan hashes, checkpoints or narrator internals.
    assert re.search(r"\b[UW]0[A-Z0-9]{2,}\b", markdown) is None
    assert re.search(r"\b[0-9a-f]{40,64}\b", markdown) is None
    for internal in ("plan_hash", "checkpoint=", "resource_version", "narrator.call", "tokens"):
        assert internal not in markdown
    assert "an unnamed person" not in markdown  # the sandbox workspace names everyone

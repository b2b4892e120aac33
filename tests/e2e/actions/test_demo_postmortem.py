"""The demo incident's postmortem, end to end: the demo's story through the real Bolt app, the
Slack emulator and the Kubernetes emulator (an alert, ``/rollback``, a refused and an allowed
approval, the rollback run and verified, the alert resolved), then ``/incident resolve`` and
``/postmortem``. The shared Markdown file's timeline is in the audit's order, its durations end
at resolution, and it holds no user id, plan hash or audit internals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import Runtime
from bot.audit import service as audit
from bot.incident.models import IncidentRecord
from bot.postmortem.audit_words import SKIPPED_PREFIXES
from bot.postmortem.measures import stamp
from bot.postmortem.render import SECTION_TITLES
from bot.scenario.schemas import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    OUTSIDER,
    PAYMENTS_ONCALL,
    SRE,
    all_said,
    proposed_rollback,
    resolved,
    settled,
)
from tests.e2e.conftest import eventually, post_alert

pytestmark = pytest.mark.slow

FILENAME = "postmortem-INC-1.md"
USER_ID = re.compile(r"\b[UW]0[A-Z0-9]{3,}\b")
HASH = re.compile(r"\b[0-9a-f]{32,}\b")


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


async def _file(people: EmulatorClient, channel: str) -> dict[str, Any] | None:
    for file in await people.files():
        if file["name"] == FILENAME and channel in file["shares"] and file["completed"]:
            return file
    return None


async def test_the_demo_incidents_postmortem_an_incident_commander_would_sign(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    await post_alert(runtime, "alertmanager", resolved(scenario.deliveries[0].payload))
    await settled(runtime)
    await all_said(people, channel)
    answered = await people.command(SRE, channel, "/incident", "resolve")
    assert answered["acked"] is True

    async def resolved_at() -> Any:
        async with runtime.sessions() as session:
            incident = await session.get(IncidentRecord, 1)
        return incident.resolved_at if incident is not None else None

    end = await eventually(resolved_at, what="the incident's resolution")
    await people.command(SRE, channel, "/postmortem", "")
    file = await eventually(lambda: _file(people, channel), what="the postmortem file")
    markdown = (await people.file_content(file["id"])).decode()

    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")] == list(
        SECTION_TITLES
    )
    # The timeline's audit rows are in the audit chain's order.
    async with runtime.sessions() as session:
        trail = await audit.entries(session, incident_id=1)
    expected = [e.seq for e in trail if not e.event.startswith(SKIPPED_PREFIXES)]
    shown = [int(seq) for seq in re.findall(r"_\(audit #(\d+)\)_", _section(markdown, "Timeline"))]
    assert shown == expected
    timeline = _section(markdown, "Timeline")
    assert timeline.index("succeeded _(audit") < timeline.index("verified: ")
    # Durations end at resolution, whatever the clock says when the draft is written.
    assert f"to resolution at {stamp(end)}" in _section(markdown, "Impact")
    assert "so far" not in markdown
    assert "still open" not in markdown
    assert f"was resolved by alice at {stamp(end)}" in _section(markdown, "Resolution")
    assert "- Time to acknowledge: " in _section(markdown, "Detection")
    assert "| Owner | Due |" in _section(markdown, "Action items")
    # People by name; nothing of the audit's internals.
    assert "approved by dana" in timeline
    assert USER_ID.findall(markdown) == []
    assert HASH.findall(markdown) == []
    for internal in ("plan_hash", "checkpoint=", "'resource_version'", "write_sent", "tokens"):
        assert internal not in markdown

"""Secrets in an alert never reach Slack: an alert whose title and links carry a password, an
AWS key, a customer's email and a token goes through the real webhook, pipeline, Slack client
and emulator; the channel (packet, fallback text, blocks, topic) and ``/status`` show typed
placeholders and none of the secrets."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.signal.models import SignalRecord
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert

pytestmark = pytest.mark.slow

SECRETS = ("hunter2", "AKIAIOSFODNN7EXAMPLE", "jane.doe@example.com", "s3cr3t-t0ken")
ALERT = {
    "service": "billing-webhooks",
    "title": "login failed for jane.doe@example.com password=hunter2 key AKIAIOSFODNN7EXAMPLE",
    "severity": "high",
    "description": "log: POST /charge?token=s3cr3t-t0ken 401",
    "links": [{"title": "logs", "url": "https://logs.example.com/q?token=s3cr3t-t0ken"}],
}
CHANNEL = "inc-20260304-billing-webhooks"


async def test_a_secret_in_an_alert_does_not_appear_in_the_posted_packet(
    runtime: Runtime, people: EmulatorClient
) -> None:
    assert (await post_alert(runtime, "generic", ALERT))[0] == 202

    async def packet() -> dict | None:
        if await people.channel_by_name(CHANNEL) is None:
            return None
        messages = await people.messages(CHANNEL)
        return next((m for m in messages if "Incident packet" in m["text"]), None)

    posted = await eventually(packet, what="the packet")

    async def topic_set() -> dict | None:
        # The topic follows the packet (by design); the secrets must be kept out of it too.
        found = await people.channel_by_name(CHANNEL)
        return found if found is not None and found["topic"] else None

    channel = await eventually(topic_set, what="the channel's topic")
    everything = json.dumps([await people.messages(CHANNEL), channel])
    for secret in SECRETS:
        assert secret not in everything
    blocks = json.dumps(posted["blocks"])
    for placeholder in ("[redacted:email]", "[redacted:password]", "[redacted:aws_key]"):
        assert placeholder in blocks  # the title, in the packet's context line
        assert placeholder in channel["topic"]
    assert "[redacted:token]" in blocks  # the link's query string

    async def chart_posted() -> bool:
        # The chart follows the packet into its thread; after it the bot says nothing until
        # asked, so /status's reply is the first thing seen.
        return any(m.get("files") for m in await people.messages(CHANNEL))

    await eventually(chart_posted, what="the packet's chart")
    seen = await people.command("U0ALICE", channel["id"], "/status", "")
    reply = seen["responses"][0]["text"]
    assert "[redacted:email]" in reply
    assert not any(secret in reply for secret in SECRETS)


async def test_what_is_stored_for_display_carries_no_secret(
    runtime: Runtime, people: EmulatorClient
) -> None:
    """The signals table keeps the alert for App Home, ``/status``, exports and later packets;
    its title, description, links and labels are stored redacted, the incident's title too."""
    alert = {**ALERT, "labels": {"customer": "jane.doe@example.com", "team": "billing"}}
    assert (await post_alert(runtime, "generic", alert))[0] == 202
    async with runtime.sessions() as session:
        stored = (
            (
                await session.execute(
                    select(SignalRecord).where(SignalRecord.service == ALERT["service"])
                )
            )
            .scalars()
            .all()
        )
    assert len(stored) == 1
    row = stored[0]
    kept = json.dumps([row.title, row.description, row.links, row.labels])
    for secret in SECRETS:
        assert secret not in kept
    assert "[redacted:aws_key]" in row.title
    assert "[redacted:token]" in row.description
    assert row.labels == {"customer": "[redacted:email]", "team": "billing"}

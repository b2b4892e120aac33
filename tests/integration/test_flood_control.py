"""Flood control over real HTTP and the real pipeline: the caps refuse whole deliveries with 429
and Retry-After, storing nothing; one delivery naming many services is one incident; and a sev1
sent after a flood is published while the flood is still being correlated. (How soon, on a
running bot: bench/flood.)"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.incident.correlate import correlate_pending
from bot.incident.models import PacketState
from bot.transactions import TransactionRunner
from handlers.webhooks.auth import signed_headers
from tests.contract.harness import ContractBot, contract_bot

SECRET = "flood-secret"


def alertmanager_group(services: int, *, tag: str = "flood") -> bytes:
    """One Alertmanager delivery whose alerts each name their own service, all critical."""
    alerts: list[dict[str, Any]] = [
        {
            "status": "firing",
            "labels": {
                "alertname": "TargetDown",
                "service": f"{tag}-svc-{n:03d}",
                "severity": "critical",
            },
            "annotations": {"summary": f"{tag}-svc-{n:03d} is down"},
            "startsAt": "2026-03-04T14:03:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{tag}{n:012d}",
        }
        for n in range(services)
    ]
    group = {
        "version": "4",
        "status": "firing",
        "receiver": "incident-bot",
        "groupKey": '{}:{alertname="TargetDown"}',
        "groupLabels": {"alertname": "TargetDown"},
        "commonLabels": {"alertname": "TargetDown", "severity": "critical"},
        "alerts": alerts,
    }
    return json.dumps(group).encode()


def generic_sev1(service: str = "checkout-api") -> bytes:
    return json.dumps(
        {"service": service, "title": f"{service} returns 500s", "severity": "sev1"}
    ).encode()


async def post(bot: ContractBot, source: str, body: bytes) -> tuple[int, dict[str, Any], str]:
    answer = await bot.post(source, body, signed_headers(source, body, SECRET))
    return answer.status, answer.body, answer.headers.get("Retry-After", "")


async def test_a_delivery_over_the_per_delivery_cap_gets_429_and_stores_nothing(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions,
        transactions=transactions,
        clock=clock,
        secret=SECRET,
        max_alerts_per_delivery=5,
    ) as bot:
        status, body, retry_after = await post(bot, "alertmanager", alertmanager_group(6))
        assert status == 429
        assert body["error"] == "too_many_alerts"
        assert "6 alerts" in body["reason"]
        assert "WEBHOOK_MAX_ALERTS_PER_DELIVERY" in body["reason"]
        assert int(retry_after) >= 1
        assert await bot.signals() == []
        status, body, _ = await post(bot, "alertmanager", alertmanager_group(5))
        assert status == 202
        assert body["accepted"] == 5


async def test_a_source_over_its_minute_gets_429_until_the_minute_has_passed(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions,
        transactions=transactions,
        clock=clock,
        secret=SECRET,
        max_alerts_per_source_minute=5,
    ) as bot:
        status, _, _ = await post(bot, "alertmanager", alertmanager_group(3, tag="a"))
        assert status == 202
        clock.advance(timedelta(seconds=20))
        status, body, retry_after = await post(bot, "alertmanager", alertmanager_group(3, tag="b"))
        assert status == 429
        assert "WEBHOOK_MAX_ALERTS_PER_SOURCE_MINUTE" in body["reason"]
        # The oldest alert counted leaves the minute 40 s from now.
        assert retry_after == "40"
        assert body["retry_after"] == 40
        assert len(await bot.signals()) == 3  # nothing of the refused delivery
        # Another source has its own minute.
        status, _, _ = await post(bot, "generic", generic_sev1())
        assert status == 202
        clock.advance(timedelta(seconds=41))
        status, body, _ = await post(bot, "alertmanager", alertmanager_group(3, tag="b"))
        assert status == 202
        assert body["accepted"] == 3


async def test_one_delivery_naming_many_services_is_one_incident(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        status, _, _ = await post(bot, "alertmanager", alertmanager_group(60))
        assert status == 202
        await bot.run_pipeline()
        (incident,) = await bot.incidents()
        assert incident.signal_count == 60
        assert {signal.incident_id for signal in await bot.signals()} == {incident.id}
        async with bot.sessions() as session:
            joined = [e for e in await audit.entries(session) if e.event == "signal.joined"]
        assert {e.details["reason"] for e in joined} == {"delivery"}


async def test_a_sev1_sent_after_a_flood_gets_its_packet_while_the_flood_is_still_worked(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    # The pipeline's own steps, one at a time, so the order is the pipeline's and not the
    # machine's: one round of correlation, then the publishers' pass.
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        status, _, _ = await post(bot, "alertmanager", alertmanager_group(300))
        assert status == 202
        status, body, _ = await post(bot, "generic", generic_sev1())
        assert status == 202
        (sev1_signal,) = body["signal_ids"]
        await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog(()))
        await bot.worker.publish_due(urgent_only=True, opening=True)
        by_service = {i.service: i for i in await bot.incidents()}
        assert by_service["checkout-api"].packet_state == PacketState.POSTED
        waiting = [s for s in await bot.signals() if s.processed_at is None]
        assert waiting  # the flood is still being correlated
        assert sev1_signal not in {s.id for s in waiting}
        await bot.run_pipeline()
        assert all(s.processed_at is not None for s in await bot.signals())
        incidents = await bot.incidents()
        assert len(incidents) == 2  # the flood's one and the sev1's
        assert all(i.packet_state == PacketState.POSTED for i in incidents)

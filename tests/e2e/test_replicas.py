"""Two replicas, one database: two ``incident-bot serve`` processes share one PostgreSQL and one
Slack emulator (Socket Mode spreads the envelopes across both connections, as Slack does).

An alert storm posted to both webhook ports, with some deliveries sent to both at once, must end
with one channel and one packet per incident and every accepted alert stored once; a slash
command is answered once whichever replica gets it; and a replica killed with SIGKILL in the
middle of the storm loses nothing: the sender retries on the other replica (as a load balancer
would), and the survivor finishes every incident once the dead one's leases run out.

The Slack and Kubernetes emulators run in processes of their own, as Slack and a cluster do: in
this test's process they shared its event loop with its polling and with each other, and on a
loaded machine a replica's call to the cluster waited past its 3 s deadline there.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.audit import service as audit
from bot.db import create_engine, create_session_factory
from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from handlers.webhooks.auth import signed_headers
from integrations.kube_emulator import ControlClient
from integrations.slack_emulator import EmulatorClient
from tests.harness import (
    ServeProcess,
    SlackEmulatorProcess,
    eventually,
    serve_env,
    start_kube_emulator,
    start_serve,
    start_slack_emulator,
)
from tests.postgres import PostgresServer, fresh_database

pytestmark = pytest.mark.slow

SCENARIO_FILE = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
SECRET = "replica-secret"
SERVICES = [f"svc-{n:02d}" for n in range(8)]
# Each service has two alerting conditions (fingerprints) and several readings of each: a
# reading is a new delivery of the same condition, the second condition joins by service.
CONDITIONS = ("errors", "latency")
READINGS = 3


@dataclass(frozen=True)
class Delivery:
    source: str
    payload: Any

    @property
    def body(self) -> bytes:
        return json.dumps(self.payload, sort_keys=True).encode()


@dataclass
class Ledger:
    """What the alert sources were told: a delivery is accepted once any replica said 2xx."""

    signals: dict[bytes, int] = field(default_factory=dict)  # body -> signals in it
    retried_elsewhere: int = 0

    def record(self, delivery: Delivery, answer: dict[str, Any]) -> None:
        self.signals[delivery.body] = int(answer["accepted"]) + int(answer["duplicates"])


def storm() -> list[Delivery]:
    deliveries = [Delivery("alertmanager", load_scenario(SCENARIO_FILE).deliveries[0].payload)]
    for reading, service, condition in itertools.product(range(READINGS), SERVICES, CONDITIONS):
        deliveries.append(
            Delivery(
                "generic",
                {
                    "service": service,
                    "title": f"{service} {condition}",
                    "severity": "high" if condition == "errors" else "warning",
                    "dedup_key": f"{service}-{condition}",
                    "description": f"reading {reading}",
                },
            )
        )
    return deliveries


@pytest.fixture
async def database_url(postgres: PostgresServer) -> AsyncIterator[str]:
    async with fresh_database(postgres, "replicas_") as url:
        yield url


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[SlackEmulatorProcess]:
    # Slack's rate limits stay on: a 429 that holds a replica up is part of the story.
    running = await start_slack_emulator(tmp_path)
    yield running
    await running.stop()


async def _start(
    name: str,
    emulator: SlackEmulatorProcess,
    database_url: str,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
) -> ServeProcess:
    env = serve_env(
        database_url=database_url,
        emulator=emulator,
        webhook_secrets={"alertmanager": SECRET, "generic": SECRET},
        REPLAY_SCENARIOS=json.dumps([str(SCENARIO_FILE)]),
        SLACK_LEASE_SECONDS="3",  # the killed replica's incidents wait this long, no more
        PACKET_UPDATE_INTERVAL_SECONDS="1",
        **(extra_env or {}),
    )
    # Its log (INFO) is <workdir>/<replica>.log, for a failure's diagnosis.
    return await start_serve(env, workdir=workdir, name=name, timeout=60)


async def _post(
    http: aiohttp.ClientSession, delivery: Delivery, targets: Sequence[ServeProcess], ledger: Ledger
) -> None:
    """Deliver to the first replica that answers, as a load balancer in front of them would."""
    for number, replica in enumerate(targets):
        try:
            async with http.post(
                f"{replica.url}/webhooks/{delivery.source}",
                data=delivery.body,
                headers=signed_headers(delivery.source, delivery.body, SECRET),
            ) as response:
                assert response.status in (200, 202), await response.text()
                ledger.record(delivery, await response.json())
                ledger.retried_elsewhere += number > 0
                return
        except aiohttp.ClientConnectionError:
            continue  # that replica is gone: the next one takes it
    raise AssertionError(f"no replica took {delivery.body!r}")


async def _send(
    deliveries: Sequence[Delivery], replicas: Sequence[ServeProcess], ledger: Ledger
) -> None:
    """Spread the deliveries over the replicas, several at a time; every fourth one goes to
    every replica at once (a source that retries, or two Alertmanagers in a cluster)."""
    async with aiohttp.ClientSession() as http:
        sends = []
        for number, delivery in enumerate(deliveries):
            first = number % len(replicas)
            order = [*replicas[first:], *replicas[:first]]
            sends.append(_post(http, delivery, order, ledger))
            if number % 4 == 0:
                sends.append(_post(http, delivery, order[::-1], ledger))
        await asyncio.gather(*sends)


async def _behind(database_url: str) -> list[dict[str, Any]]:
    """The open incidents the survivor has not finished, with the columns that say why (for a
    failure's message: the test timed out rarely and silently)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, service, channel_state, packet_state, packet_revision,"
                        " posted_revision, severity, announced_severity, lease_until,"
                        " slack_attempts FROM incidents WHERE status = 'open' AND ("
                        " channel_state != 'ready' OR packet_state != 'posted'"
                        " OR posted_revision != packet_revision"
                        " OR announced_severity IS DISTINCT FROM severity)"
                    )
                )
            ).mappings()
            return [dict(row) for row in rows]
    finally:
        await engine.dispose()


async def _settled(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
            )
            behind = await connection.scalar(
                text(
                    "SELECT count(*) FROM incidents WHERE status = 'open' AND ("
                    " channel_state != 'ready' OR packet_state != 'posted'"
                    " OR posted_revision != packet_revision"
                    " OR announced_severity IS DISTINCT FROM severity)"
                )
            )
    finally:
        await engine.dispose()
    return waiting == 0 and behind == 0


async def test_two_replicas_share_a_storm_a_command_and_a_crash(
    emulator: SlackEmulatorProcess, database_url: str, tmp_path: Path
) -> None:
    deliveries = storm()
    half = len(deliveries) // 2
    ledger = Ledger()
    # Both start at once on an empty database, as two pods of a fresh deployment do.
    a, b = await asyncio.gather(
        _start("a", emulator, database_url, tmp_path),
        _start("b", emulator, database_url, tmp_path),
    )
    try:
        async with EmulatorClient(emulator.base_url) as people:
            await eventually(lambda: _connections(people, 2), what="both replicas on Socket Mode")
            await _send(deliveries[:half], [a, b], ledger)

            # A command while both are connected: each goes to one of them, answered once.
            askers = ["U0ALICE", "U0BOB", "U0CAROL", "U0DANA"]
            for user in askers:
                seen = await people.command(user, "C0INCIDENTS", "/status")
                assert seen["acked"] is True
            receivers = (await people.stats())["envelopes_per_connection"]

            # The rest of the storm, and replica a killed while it is under way.
            rest = asyncio.create_task(_send(deliveries[half:], [a, b], ledger))
            answered_before = len(ledger.signals)

            async def under_way() -> bool:
                return len(ledger.signals) > answered_before

            await eventually(under_way, what="the second half of the storm to start")
            await a.kill()
            await rest

            try:
                await eventually(
                    lambda: _settled(database_url), timeout=180, what="the survivor to finish"
                )
            except AssertionError as exc:
                raise AssertionError(f"{exc}; behind: {await _behind(database_url)}") from exc
            channels = [c for c in await people.channels() if c["name"].startswith("inc-")]
            packets = Counter[str]()
            for channel in channels:
                for message in await people.messages(channel["id"]):
                    metadata = message.get("metadata") or {}
                    if metadata.get("event_type") == "incident_packet":
                        packets[channel["id"]] += 1
            status_replies = Counter(
                m["recipient"]
                for m in await people.messages("C0INCIDENTS")
                if m["user"] == emulator.config.bot_user_id
            )
    finally:
        await a.kill()
        await b.kill()

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            stored, distinct = (
                await connection.execute(
                    text("SELECT count(*), count(DISTINCT (source, delivery_id)) FROM signals")
                )
            ).one()
            incidents = (
                await connection.execute(
                    text("SELECT id, service, channel_id FROM incidents ORDER BY id")
                )
            ).all()
        async with create_session_factory(engine)() as session:
            assert await audit.verify(session) > 0
    finally:
        await engine.dispose()

    assert stored == distinct == sum(ledger.signals.values())  # every accepted alert, once
    # One incident per service (the two conditions of a service fold into one), whichever
    # replica correlated which alert.
    assert sorted(service for _id, service, _channel in incidents) == sorted(
        ["billing-webhooks", *SERVICES]
    )
    assert sorted(c["id"] for c in channels) == sorted(ch for _i, _s, ch in incidents)
    assert all(packets[channel_id] == 1 for _i, _s, channel_id in incidents), packets
    assert status_replies == dict.fromkeys(askers, 1)
    assert all(count > 0 for count in receivers), receivers  # both replicas took commands


async def _connections(people: EmulatorClient, count: int) -> bool:
    return (await people.stats())["connections"] == count


async def test_an_approval_clicked_twice_with_two_replicas_running_executes_once(
    emulator: SlackEmulatorProcess, database_url: str, tmp_path: Path
) -> None:
    """Each click is its own envelope, and Socket Mode spreads envelopes over both replicas'
    connections: both may take the approval; the database lets one of them run it."""
    kube = await start_kube_emulator(tmp_path, token="replica-kube-token", seed=SCENARIO_FILE)
    try:
        kube_env = {
            "KUBE_API_URL": kube.base_url,
            "KUBE_TOKEN": "replica-kube-token",
            "RECOVERY_WINDOW_SECONDS": "1",  # no recovery comes: settle as not verified
        }
        a, b = await asyncio.gather(
            _start("a", emulator, database_url, tmp_path, kube_env),
            _start("b", emulator, database_url, tmp_path, kube_env),
        )
        try:
            async with EmulatorClient(emulator.base_url) as people:
                await eventually(lambda: _connections(people, 2), what="both replicas connected")
                await _send([storm()[0]], [a, b], Ledger())

                async def incident_channel() -> str | None:
                    for channel in await people.channels():
                        if channel["name"].startswith("inc-"):
                            seen = await people.messages(channel["id"])
                            if any(m.get("files") for m in seen):  # the packet's chart is in
                                return str(channel["id"])
                    return None

                channel = await eventually(incident_channel, timeout=60, what="the packet")
                asked = await people.command("U0BOB", channel, "/rollback", "", wait_for=0)
                assert asked["acked"] is True

                async def proposal() -> dict[str, Any] | None:
                    for message in await people.messages(channel):
                        if "*Action #1*" in json.dumps(message.get("blocks") or []):
                            return {"channel": channel, "ts": message["ts"]}
                    return None

                try:
                    shown = await eventually(proposal, timeout=60, what="the rollback proposal")
                except AssertionError as exc:
                    # Say what the requester was told instead (a plan the cluster did not
                    # answer in time is refused, not proposed).
                    told = [
                        m.get("text")
                        for m in await people.messages(channel)
                        if m.get("recipient") == "U0BOB"
                    ]
                    raise AssertionError(f"{exc}; the requester was told: {told}") from exc
                await asyncio.gather(
                    *(
                        people.click(
                            "U0DANA", shown["channel"], shown["ts"], "action_approve", wait_for=0
                        )
                        for _ in range(2)
                    )
                )

                async def settled() -> bool:
                    engine = create_engine(database_url)
                    try:
                        async with engine.connect() as connection:
                            state = await connection.scalar(
                                text("SELECT state FROM actions WHERE id = 1")
                            )
                    finally:
                        await engine.dispose()
                    return state in ("verified", "not_verified", "failed")

                await eventually(settled, timeout=120, what="the approved rollback to settle")
        finally:
            await a.kill()
            await b.kill()
        writes = [
            change
            for change in await asyncio.to_thread(ControlClient(kube.base_url).changes)
            if change["actor"] == "client"
        ]
    finally:
        await kube.stop()
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            executing = await connection.scalar(
                text("SELECT count(*) FROM audit_log WHERE event = 'action.executing'")
            )
            proposals = await connection.scalar(text("SELECT count(*) FROM actions"))
    finally:
        await engine.dispose()
    assert [(w["verb"], w["name"]) for w in writes] == [("patch", "billing-webhooks")]
    assert executing == 1
    assert proposals == 1

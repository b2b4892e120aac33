"""Alert webhooks over real HTTP: every bad input is refused with a reason and stores nothing;
an accepted alert is committed before the answer; a repeat delivery is stored once."""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.signal.models import SignalRecord
from bot.signal.service import accepted_ids
from handlers.webhooks import WebhookDeps, add_webhook_routes
from handlers.webhooks.auth import signed_headers

SECRET = "s3cret-for-tests"
LIMIT = 1024 * 1024

ALERTMANAGER_BODY: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "incident-bot",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "service": "billing-webhooks"},
    "commonAnnotations": {"summary": "billing-webhooks error rate above 5%"},
    "externalURL": "http://alertmanager.monitoring:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighErrorRate",
                "service": "billing-webhooks",
                "severity": "high",
            },
            "annotations": {"summary": "billing-webhooks error rate above 5%"},
            "startsAt": "2026-03-04T14:03:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
            "fingerprint": "a1b2c3d4e5f60718",
        }
    ],
}
GENERIC_BODY: dict[str, Any] = {
    "service": "checkout-api",
    "title": "Checkout p99 latency above 2s",
    "severity": "critical",
}

Poster = Callable[..., Any]


class Webhooks:
    def __init__(self, server: TestServer, http: ClientSession, accepted: list[int]) -> None:
        self.server = server
        self.http = http
        self.wakeups = accepted

    async def post(
        self, source: str, body: object, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        url = self.server.make_url(f"/webhooks/{source}")
        async with self.http.post(url, data=body, headers=headers or {}) as response:
            return response.status, await response.json()

    async def post_signed(
        self, source: str, payload: object, secret: str = SECRET
    ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload).encode()
        return await self.post(source, body, signed_headers(source, body, secret))


@pytest.fixture
async def webhooks(sessions, transactions, clock) -> AsyncIterator[Webhooks]:
    wakeups: list[int] = []
    secrets = {"alertmanager": SECRET, "generic": SECRET}
    app = web.Application(client_max_size=LIMIT + 1)
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for=secrets.get,
            max_body_bytes=LIMIT,
            on_accepted=lambda: wakeups.append(1),
        ),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield Webhooks(server, http, wakeups)
    await server.close()


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """Signals stored, and signals the audit chain records as accepted."""
    async with sessions() as session:
        signals = await session.scalar(select(func.count()).select_from(SignalRecord))
        accepted = accepted_ids(await audit.entries(session))
    return int(signals or 0), len(accepted)


async def test_a_valid_alertmanager_alert_is_committed_before_the_answer(webhooks, sessions):
    status, answer = await webhooks.post_signed("alertmanager", ALERTMANAGER_BODY)
    assert status == 202
    assert answer["accepted"] == 1
    assert await _rows(sessions) == (1, 1)
    assert webhooks.wakeups == [1]
    async with sessions() as session:
        stored = (await session.execute(select(SignalRecord))).scalar_one()
    assert (stored.service, stored.severity, stored.status) == (
        "billing-webhooks",
        "sev2",
        "firing",
    )
    assert stored.fingerprint == "alertmanager:a1b2c3d4e5f60718"
    assert stored.processed_at is None  # waiting in the outbox for the pipeline


async def test_every_alert_of_an_alertmanager_group_is_its_own_signal(webhooks, sessions):
    body = copy.deepcopy(ALERTMANAGER_BODY)
    second = copy.deepcopy(body["alerts"][0])
    second["labels"]["service"] = "billing-db"
    second["fingerprint"] = "ffff000011112222"
    body["alerts"].append(second)
    status, answer = await webhooks.post_signed("alertmanager", body)
    assert (status, answer["accepted"]) == (202, 2)
    assert await _rows(sessions) == (2, 2)


async def test_a_repeated_delivery_is_stored_once_and_answered_again(webhooks, sessions):
    first, _ = await webhooks.post_signed("alertmanager", ALERTMANAGER_BODY)
    again, answer = await webhooks.post_signed("alertmanager", ALERTMANAGER_BODY)
    assert (first, again) == (202, 200)
    assert answer == {"ok": True, "accepted": 0, "duplicates": 1, "signal_ids": []}
    assert await _rows(sessions) == (1, 1)


async def test_a_valid_generic_alert_is_accepted(webhooks, sessions):
    status, answer = await webhooks.post_signed("generic", GENERIC_BODY)
    assert (status, answer["accepted"]) == (202, 1)
    async with sessions() as session:
        stored = (await session.execute(select(SignalRecord))).scalar_one()
    assert (stored.service, stored.severity) == ("checkout-api", "sev1")


@pytest.mark.parametrize(
    ("source", "headers", "reason"),
    [
        ("alertmanager", {}, "missing Authorization header"),
        ("alertmanager", {"Authorization": "Bearer wrong"}, "wrong bearer token"),
        ("alertmanager", {"Authorization": f"Basic {SECRET}"}, "must be 'Bearer <secret>'"),
        ("generic", {}, "missing X-Signature header"),
        ("generic", {"X-Signature": "sha256=" + "0" * 64}, "does not match the body"),
        ("generic", {"X-Signature": "md5=abc"}, "must look like sha256="),
    ],
)
async def test_missing_or_wrong_credentials_get_401_and_store_nothing(
    webhooks, sessions, source, headers, reason
):
    body = json.dumps(ALERTMANAGER_BODY if source == "alertmanager" else GENERIC_BODY).encode()
    status, answer = await webhooks.post(source, body, headers)
    assert status == 401
    assert answer["error"] == "unauthorized"
    assert reason in answer["reason"]
    assert await _rows(sessions) == (0, 0)


async def test_a_generic_signature_over_another_body_is_refused(webhooks, sessions):
    signed_for = json.dumps(GENERIC_BODY).encode()
    tampered = json.dumps({**GENERIC_BODY, "severity": "info"}).encode()
    digest = hmac.new(SECRET.encode(), signed_for, hashlib.sha256).hexdigest()
    status, _ = await webhooks.post("generic", tampered, {"X-Signature": f"sha256={digest}"})
    assert status == 401
    assert await _rows(sessions) == (0, 0)


async def test_a_source_without_a_secret_refuses_everything_and_says_why(
    sessions, transactions, clock
):
    app = web.Application()
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for=lambda _source: None,
            max_body_bytes=LIMIT,
            on_accepted=lambda: None,
        ),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        body = json.dumps(ALERTMANAGER_BODY).encode()
        async with ClientSession() as http:
            response = await http.post(
                server.make_url("/webhooks/alertmanager"),
                data=body,
                headers=signed_headers("alertmanager", body, SECRET),
            )
            answer = await response.json()
    finally:
        await server.close()
    assert response.status == 401
    assert "ALERTMANAGER_WEBHOOK_SECRET" in answer["reason"]
    assert await _rows(sessions) == (0, 0)


@pytest.mark.parametrize("source", ["alertmanager", "generic"])
async def test_malformed_json_gets_400_naming_the_body(webhooks, sessions, source):
    body = b'{"version": "4", "alerts": ['
    status, answer = await webhooks.post(source, body, signed_headers(source, body, SECRET))
    assert status == 400
    assert answer["field"] == "body"
    assert "not valid JSON" in answer["reason"]
    assert await _rows(sessions) == (0, 0)


@pytest.mark.parametrize(
    ("source", "mutate", "field"),
    [
        ("alertmanager", lambda b: b.update(version="3"), "version"),
        ("alertmanager", lambda b: b.update(alerts=[]), "alerts"),
        ("alertmanager", lambda b: b["alerts"][0].pop("startsAt"), "alerts.0.startsAt"),
        ("alertmanager", lambda b: b["alerts"][0].update(status="burning"), "alerts.0.status"),
        ("alertmanager", lambda b: b["alerts"][0].update(labels=["x"]), "alerts.0.labels"),
        ("generic", lambda b: b.pop("service"), "service"),
        ("generic", lambda b: b.update(severity="apocalyptic"), "severity"),
        ("generic", lambda b: b.update(started_at="yesterday"), "started_at"),
        ("generic", lambda b: b.update(surprise=1), "surprise"),
    ],
)
async def test_a_payload_that_fails_validation_gets_400_naming_the_field(
    webhooks, sessions, source, mutate, field
):
    body = copy.deepcopy(ALERTMANAGER_BODY if source == "alertmanager" else GENERIC_BODY)
    mutate(body)
    status, answer = await webhooks.post_signed(source, body)
    assert status == 400
    assert answer["error"] == "invalid_payload"
    assert answer["field"] == field
    assert await _rows(sessions) == (0, 0)


async def test_a_json_array_instead_of_an_object_gets_400(webhooks, sessions):
    status, answer = await webhooks.post_signed("generic", [GENERIC_BODY])
    assert status == 400
    assert answer["error"] == "invalid_payload"
    assert await _rows(sessions) == (0, 0)


@pytest.mark.parametrize("source", ["alertmanager", "generic"])
async def test_a_body_over_one_mebibyte_gets_413(webhooks, sessions, source):
    body = json.dumps({**GENERIC_BODY, "description": "x" * (LIMIT + 10)}).encode()
    headers = signed_headers(source, body, SECRET)
    status, answer = await webhooks.post(source, io.BytesIO(body), headers)
    assert status == 413
    assert answer["error"] == "payload_too_large"
    assert await _rows(sessions) == (0, 0)


async def test_a_chunked_body_over_the_limit_gets_413(webhooks, sessions):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * (64 * 1024)

    status, _answer = await webhooks.post("generic", chunks(), {"X-Signature": "sha256=00"})
    assert status == 413
    assert await _rows(sessions) == (0, 0)


async def test_healthz_answers_when_the_database_does(webhooks):
    async with webhooks.http.get(webhooks.server.make_url("/healthz")) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}

"""The aiohttp routes for alert webhooks and health.

Every request goes through the same steps, each refusing with a specific status and reason and
storing nothing: configured? (401) → size (413) → authentication, with the signed time of a
source that signs one (401) → JSON (400) → payload validation (400, naming the field) → flood
caps (429 with ``Retry-After``: more alerts in the delivery, or from the source in the last
minute, than allowed) → store and commit → 202 (200 for a repeat delivery).

A delivery the source's normalizer deliberately ignores (a PagerDuty note, a successful deploy, a
GitHub ping) is authenticated and validated like any other, stores nothing and is answered 200
with ``"ignored": true``, so the source neither retries it nor disables the webhook.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import (
    AuthenticationError,
    PayloadError,
    PayloadTooLargeError,
    TooManyAlertsError,
    WebhookError,
)
from bot.signal.flows import DEDUP_WINDOW, SignalIntake
from bot.signal.sources import SourceOptions, normalize
from bot.signal.values import AlertSource
from bot.transactions import TransactionRunner
from handlers.webhooks.auth import (
    Authenticator,
    bearer_token,
    check_signed_time,
    grafana_auth,
    hmac_sha256_signature,
    pagerduty_signature,
    shared_secret_header,
)
from handlers.webhooks.body import parse_json

__all__ = [
    "AUTHENTICATORS",
    "DEFAULT_MAX_ALERTS_PER_DELIVERY",
    "DEFAULT_MAX_ALERTS_PER_SOURCE_MINUTE",
    "WebhookDeps",
    "add_webhook_routes",
]

log = logging.getLogger(__name__)

AUTHENTICATORS: Mapping[AlertSource, Authenticator] = MappingProxyType(
    {
        AlertSource.PAGERDUTY: pagerduty_signature,
        AlertSource.DATADOG: shared_secret_header("X-Incident-Bot-Secret"),
        AlertSource.ALERTMANAGER: bearer_token,
        AlertSource.GRAFANA: grafana_auth,
        AlertSource.SENTRY: hmac_sha256_signature("Sentry-Hook-Signature", prefix=""),
        AlertSource.GITHUB: hmac_sha256_signature("X-Hub-Signature-256"),
        AlertSource.GENERIC: hmac_sha256_signature("X-Signature"),
    }
)


# Flood control (settings WEBHOOK_MAX_ALERTS_PER_DELIVERY, WEBHOOK_MAX_ALERTS_PER_SOURCE_MINUTE).
# An Alertmanager group of a thousand alerts is already a fault of its own; twelve thousand a
# minute from one source is several times what correlation keeps up with.
DEFAULT_MAX_ALERTS_PER_DELIVERY = 1000
DEFAULT_MAX_ALERTS_PER_SOURCE_MINUTE = 12_000


@dataclass(frozen=True, slots=True)
class WebhookDeps:
    sessions: async_sessionmaker[AsyncSession]
    transactions: TransactionRunner  # the accept transaction runs through it, whole
    clock: Clock
    secret_for: Callable[[str], str | None]  # source name -> its secret, None when unset
    max_body_bytes: int
    on_accepted: Callable[[], None]  # wakes the pipeline
    # What the installation configures about the sources (GitHub's deploy workflows...).
    source_options: SourceOptions = field(default_factory=SourceOptions)
    dedup_window: timedelta = DEDUP_WINDOW  # the same body again within it is a retry
    max_alerts_per_delivery: int = DEFAULT_MAX_ALERTS_PER_DELIVERY
    max_alerts_per_source_minute: int = DEFAULT_MAX_ALERTS_PER_SOURCE_MINUTE


def _refusal(error: WebhookError) -> web.Response:
    kind = {401: "unauthorized", 413: "payload_too_large", 429: "too_many_alerts"}.get(
        error.status, "invalid_payload"
    )
    body: dict[str, object] = {"ok": False, "error": kind, "reason": str(error)}
    headers: dict[str, str] = {}
    if isinstance(error, PayloadError) and error.field:
        body["field"] = error.field
    if isinstance(error, TooManyAlertsError):
        body["retry_after"] = error.retry_after
        headers["Retry-After"] = str(error.retry_after)
    return web.json_response(body, status=error.status, headers=headers)


def _check_delivery_size(source: AlertSource, count: int, limit: int) -> None:
    if count > limit:
        raise TooManyAlertsError(
            f"this {source.value} delivery holds {count} alerts, more than the "
            f"{limit} one delivery may (WEBHOOK_MAX_ALERTS_PER_DELIVERY); nothing was stored: "
            "send them in smaller groups (Alertmanager: max_alerts in the webhook_config)",
            retry_after=60,
        )


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"body of {request.content_length} bytes exceeds {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _receiver(
    source: AlertSource, authenticate: Authenticator, deps: WebhookDeps, intake: SignalIntake
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def receive(request: web.Request) -> web.StreamResponse:
        try:
            secret = deps.secret_for(source.value)
            if not secret:
                raise AuthenticationError(
                    f"the {source.value} webhook is not configured: set "
                    f"{source.value.upper()}_WEBHOOK_SECRET to accept its alerts"
                )
            body = await _read_body(request, deps.max_body_bytes)
            authenticate(request.headers, body, secret)
            check_signed_time(source, request.headers, deps.clock.now())
            payload = parse_json(body)
            digest = hashlib.sha256(body).hexdigest()
            signals = normalize(
                source,
                payload,
                received_at=deps.clock.now(),
                body_digest=digest,
                headers=request.headers,
                options=deps.source_options,
            )
            _check_delivery_size(source, len(signals), deps.max_alerts_per_delivery)
        except WebhookError as error:
            log.info("refused %s webhook: %s", source.value, error)
            return _refusal(error)
        if not signals:
            log.info("ignored %s webhook: no signal in it", source.value)
            return web.json_response(
                {"ok": True, "accepted": 0, "duplicates": 0, "signal_ids": [], "ignored": True},
                status=200,
            )
        outcome = await intake.accept(signals, body_digest=digest)
        if outcome.retry_after is not None:
            flood = TooManyAlertsError(
                f"{source.value} sent more than {deps.max_alerts_per_source_minute} alerts in the "
                "last minute (WEBHOOK_MAX_ALERTS_PER_SOURCE_MINUTE); nothing of this delivery "
                f"was stored: send it again after {outcome.retry_after} s",
                retry_after=outcome.retry_after,
            )
            log.warning("refused %s webhook: %s", source.value, flood)
            return _refusal(flood)
        if outcome.stored:
            deps.on_accepted()
        return web.json_response(
            {
                "ok": True,
                "accepted": len(outcome.stored),
                "duplicates": outcome.duplicates,
                "signal_ids": list(outcome.stored),
            },
            status=202 if outcome.stored else 200,
        )

    return receive


def add_webhook_routes(app: web.Application, deps: WebhookDeps) -> None:
    # One intake for every source: concurrent deliveries commit together (group commit).
    intake = SignalIntake(
        sessions=deps.sessions,
        transactions=deps.transactions,
        clock=deps.clock,
        dedup_window=deps.dedup_window,
        per_source_minute=deps.max_alerts_per_source_minute,
    )
    for source, authenticate in AUTHENTICATORS.items():
        receive = _receiver(source, authenticate, deps, intake)
        app.router.add_post(f"/webhooks/{source.value}", receive)

    async def healthz(_request: web.Request) -> web.Response:
        async with deps.sessions() as session:
            await session.execute(text("SELECT 1"))
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)

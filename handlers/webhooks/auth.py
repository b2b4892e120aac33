"""Webhook authentication, each source its own scheme, all compared in constant time over the
raw body. A source with no secret configured refuses everything (fail closed).

==============  ==============================================================================
source          what proves the delivery
==============  ==============================================================================
pagerduty       ``X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]``, HMAC-SHA256 of the body; any
                one matching passes (PagerDuty signs with every secret during a rotation)
datadog         ``X-Incident-Bot-Secret: <secret>``, a custom header of the Datadog webhook
alertmanager    ``Authorization: Bearer <secret>``
grafana         ``X-Grafana-Alerting-Signature: <hex>``, HMAC-SHA256 of ``<timestamp>:<body>`` when
                ``X-Grafana-Alerting-Timestamp`` is sent (the route refuses a stale one), else of
                the body; without a signature, ``Authorization: Bearer <secret>`` or HTTP basic
                auth with the secret as password
sentry          ``Sentry-Hook-Signature: <hex>``, HMAC-SHA256 of the body with the client secret
github          ``X-Hub-Signature-256: sha256=<hex>``, HMAC-SHA256 of the body
generic         ``X-Signature: sha256=<hex>``, HMAC-SHA256 of the body
==============  ==============================================================================
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources.github import infer_event
from bot.signal.sources.sentry import infer_resource
from bot.signal.values import AlertSource
from handlers.webhooks.body import parse_json

__all__ = [
    "GRAFANA_SIGNATURE",
    "GRAFANA_TIMESTAMP",
    "MAX_SIGNED_TIME_SKEW",
    "SIGNED_TIME_HEADERS",
    "Authenticator",
    "bearer_or_basic",
    "bearer_token",
    "check_signed_time",
    "grafana_auth",
    "hmac_sha256_signature",
    "pagerduty_signature",
    "shared_secret_header",
    "signed_headers",
]

# (headers, raw body, secret) -> None, or AuthenticationError with the reason.
Authenticator = Callable[[Mapping[str, str], bytes, str], None]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _hex_hmac(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def bearer_token(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """``Authorization: Bearer <secret>`` (Alertmanager's ``http_config.authorization``)."""
    header = headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthenticationError("missing Authorization header (expected: Bearer <secret>)")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Authorization header must be 'Bearer <secret>'")
    if not _same(token.strip(), secret):
        raise AuthenticationError("wrong bearer token")


def bearer_or_basic(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """``Authorization: Bearer <secret>``, or ``Basic`` with any user name and the secret as the
    password: a Grafana webhook contact point sets one or the other ("Authorization header" or
    "Basic auth"), never both."""
    header = headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if not header:
        raise AuthenticationError(
            "missing Authorization header (expected: Bearer <secret>, or basic auth with the "
            "secret as password)"
        )
    if scheme.lower() == "bearer" and credentials:
        if not _same(credentials.strip(), secret):
            raise AuthenticationError("wrong bearer token")
        return
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationError("Authorization Basic credentials are not base64") from exc
        _user, colon, password = decoded.partition(":")
        if not colon or not _same(password, secret):
            raise AuthenticationError("wrong basic auth password")
        return
    raise AuthenticationError("Authorization header must be 'Bearer <secret>' or 'Basic <...>'")


GRAFANA_SIGNATURE = "X-Grafana-Alerting-Signature"  # Grafana's default signature header
GRAFANA_TIMESTAMP = "X-Grafana-Alerting-Timestamp"  # the timestamp header the docs ask for


def grafana_auth(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """A Grafana webhook contact point: its HMAC signature when it sends one (the stronger
    proof, and the only one that covers the body), else the Authorization header.

    With a timestamp header Grafana signs ``<unix seconds>:<body>``; the signature binds the
    time, and the route refuses a time too far from its clock (a replay)."""
    given = headers.get(GRAFANA_SIGNATURE, "")
    if not given:
        bearer_or_basic(headers, body, secret)
        return
    stamp = headers.get(GRAFANA_TIMESTAMP)
    signed = body if stamp is None else stamp.strip().encode() + b":" + body
    if not _same(given.strip().lower(), _hex_hmac(signed, secret)):
        if stamp is not None:
            raise AuthenticationError(
                f"{GRAFANA_SIGNATURE} does not match {GRAFANA_TIMESTAMP} and the body"
            )
        raise AuthenticationError(
            f"{GRAFANA_SIGNATURE} does not match the body (a contact point that signs a "
            f"timestamp too must send it as {GRAFANA_TIMESTAMP})"
        )


# The headers in which a source sends the time it signed, and how far that time may be from
# the bot's clock: farther, the delivery is refused as a replay (or the clocks disagree).
SIGNED_TIME_HEADERS: Mapping[AlertSource, str] = MappingProxyType(
    {AlertSource.GRAFANA: GRAFANA_TIMESTAMP}
)
MAX_SIGNED_TIME_SKEW = timedelta(minutes=5)


def check_signed_time(source: AlertSource, headers: Mapping[str, str], now: datetime) -> None:
    """Refuse a delivery whose signed time (only some sources send one) is not within
    :data:`MAX_SIGNED_TIME_SKEW` of ``now``. Call it after authenticating: the signature is
    what makes the time trustworthy."""
    name = SIGNED_TIME_HEADERS.get(source)
    value = headers.get(name) if name is not None else None
    if name is None or value is None:
        return
    try:
        signed = datetime.fromtimestamp(int(value.strip()), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise AuthenticationError(f"{name} must be Unix seconds, not {value[:40]!r}") from exc
    skew = abs(now - signed)
    if skew > MAX_SIGNED_TIME_SKEW:
        raise AuthenticationError(
            f"{name} is {int(skew.total_seconds())} s from the bot's clock (more than "
            f"{int(MAX_SIGNED_TIME_SKEW.total_seconds())} s): a replayed delivery, or a clock "
            "that is off"
        )


def hmac_sha256_signature(header_name: str, prefix: str = "sha256=") -> Authenticator:
    """HMAC-SHA256 of the raw body with the secret, hex, in ``header_name`` after ``prefix``."""

    def check(headers: Mapping[str, str], body: bytes, secret: str) -> None:
        given = headers.get(header_name, "")
        if not given:
            raise AuthenticationError(f"missing {header_name} header ({prefix}<hex hmac>)")
        if not given.startswith(prefix):
            raise AuthenticationError(f"{header_name} must look like {prefix}<hex hmac>")
        if not _same(given[len(prefix) :].strip().lower(), _hex_hmac(body, secret)):
            raise AuthenticationError(f"{header_name} does not match the body")

    return check


def pagerduty_signature(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """``X-PagerDuty-Signature``: comma-separated ``v1=<hex>`` HMAC-SHA256 signatures of the body;
    one match is enough. Every candidate is compared, so the time taken says nothing about which
    one matched."""
    given = headers.get("X-PagerDuty-Signature", "")
    if not given:
        raise AuthenticationError("missing X-PagerDuty-Signature header (v1=<hex hmac>,...)")
    candidates = [
        part.strip()[len("v1=") :].lower()
        for part in given.split(",")
        if part.strip().startswith("v1=")
    ]
    if not candidates:
        raise AuthenticationError("X-PagerDuty-Signature holds no v1=<hex hmac> signature")
    expected = _hex_hmac(body, secret)
    matched = False
    for candidate in candidates:
        matched |= _same(candidate, expected)
    if not matched:
        raise AuthenticationError("no X-PagerDuty-Signature signature matches the body")


def shared_secret_header(header_name: str) -> Authenticator:
    """The secret itself in ``header_name``: for sources that cannot sign (Datadog's webhook
    sends fixed custom headers), so use it only over HTTPS."""

    def check(headers: Mapping[str, str], body: bytes, secret: str) -> None:
        given = headers.get(header_name, "")
        if not given:
            raise AuthenticationError(f"missing {header_name} header (the shared secret)")
        if not _same(given.strip(), secret):
            raise AuthenticationError(f"wrong {header_name}")

    return check


def _parsed(body: bytes) -> object:
    try:
        return parse_json(body)
    except PayloadError:
        return None


def _delivery_uuid(body: bytes) -> str:
    # The same body gets the same id, as a source's retry of one delivery does.
    return str(uuid.UUID(bytes=hashlib.sha256(body).digest()[:16]))


def _pagerduty(body: bytes, secret: str) -> dict[str, str]:
    return {"X-PagerDuty-Signature": f"v1={_hex_hmac(body, secret)}"}


def _datadog(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Incident-Bot-Secret": secret}


def _bearer(body: bytes, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _sentry(body: bytes, secret: str) -> dict[str, str]:
    return {
        "Request-ID": uuid.UUID(_delivery_uuid(body)).hex,
        "Sentry-Hook-Resource": infer_resource(_parsed(body)) or "event_alert",
        "Sentry-Hook-Signature": _hex_hmac(body, secret),
    }


def _github(body: bytes, secret: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": infer_event(_parsed(body)) or "ping",
        "X-GitHub-Delivery": _delivery_uuid(body),
        "X-Hub-Signature-256": f"sha256={_hex_hmac(body, secret)}",
    }


def _generic(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Signature": f"sha256={_hex_hmac(body, secret)}"}


_SIGNERS: Mapping[str, Callable[[bytes, str], dict[str, str]]] = {
    "pagerduty": _pagerduty,
    "datadog": _datadog,
    "alertmanager": _bearer,
    "grafana": _bearer,
    "sentry": _sentry,
    "github": _github,
    "generic": _generic,
}


def signed_headers(source: str, body: bytes, secret: str) -> dict[str, str]:
    """The headers a correctly configured ``source`` sends with ``body``: for the demo, the load
    benchmark and tests, which post alerts the way the real sources do.

    Sentry's resource and GitHub's event type are read from the body's shape; their delivery ids
    are derived from the body, so posting the same body twice is a retry of one delivery.
    """
    signer = _SIGNERS.get(source)
    if signer is None:
        raise ValueError(f"no signing scheme for source {source!r}")
    return {"Content-Type": "application/json", **signer(body, secret)}

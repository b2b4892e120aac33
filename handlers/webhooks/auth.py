"""Webhook authentication, each source its own scheme, all compared in constant time over the
raw body. A source with no secret configured refuses everything (fail closed)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

from bot.errors import AuthenticationError

__all__ = ["Authenticator", "bearer_token", "hmac_sha256_signature", "signed_headers"]

# (headers, raw body, secret) -> None, or AuthenticationError with the reason.
Authenticator = Callable[[Mapping[str, str], bytes, str], None]


def bearer_token(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """``Authorization: Bearer <secret>`` (Alertmanager's ``http_config.authorization``)."""
    header = headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise AuthenticationError("missing Authorization header (expected: Bearer <secret>)")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Authorization header must be 'Bearer <secret>'")
    if not hmac.compare_digest(token.strip().encode(), secret.encode()):
        raise AuthenticationError("wrong bearer token")


def hmac_sha256_signature(header_name: str, prefix: str = "sha256=") -> Authenticator:
    """HMAC-SHA256 of the raw body with the secret, hex, in ``header_name`` after ``prefix``."""

    def check(headers: Mapping[str, str], body: bytes, secret: str) -> None:
        given = headers.get(header_name, "")
        if not given:
            raise AuthenticationError(f"missing {header_name} header ({prefix}<hex hmac>)")
        if not given.startswith(prefix):
            raise AuthenticationError(f"{header_name} must look like {prefix}<hex hmac>")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(
            given[len(prefix) :].strip().lower().encode(), expected.encode()
        ):
            raise AuthenticationError(f"{header_name} does not match the body")

    return check


def signed_headers(source: str, body: bytes, secret: str) -> dict[str, str]:
    """The headers a correctly configured ``source`` sends with ``body``: for the demo, the load
    benchmark and tests, which post alerts the way the real sources do."""
    headers = {"Content-Type": "application/json"}
    if source == "alertmanager":
        headers["Authorization"] = f"Bearer {secret}"
    elif source == "generic":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Signature"] = f"sha256={digest}"
    else:
        raise ValueError(f"no signing scheme for source {source!r} yet")
    return headers

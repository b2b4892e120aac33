"""The one Datadog API client the adapters share, and what its failures mean to a person.

Built on the SDK's ``AsyncApiClient`` (aiosonic underneath). Two settings matter for the packet:

- **No SDK retries.** Its async retry sleeps ``X-RateLimit-Reset`` seconds on a 429 (often tens
  of seconds) and at least 2 s on a 5xx (it refuses a smaller backoff factor), so a retry could
  never land inside the evidence deadline (3 s by default). A refused call becomes a clear
  "unavailable: reason" at once instead, and the packet goes out without it.
- **A request timeout equal to the deadline**, so no call outlives it even when the caller sets
  no deadline of its own.

Keys go only into the SDK's configuration; they are never logged, and no reason built here
quotes a request header.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar, cast

from aiosonic.exceptions import AiosonicError, BaseTimeout
from datadog_api_client import AsyncApiClient, Configuration
from datadog_api_client.exceptions import ApiException, OpenApiException

from bot.errors import ConfigError, SourceUnavailableError

__all__ = [
    "DatadogConnection",
    "ask_datadog",
    "checked_service",
    "failure_reason",
    "field",
    "web_url",
]

T = TypeVar("T")

# Service names go into Datadog query strings; anything outside a tag value's characters could
# change the query's meaning.
_SAFE_SERVICE = re.compile(r"^[A-Za-z0-9_.:/-]+$")


class DatadogConnection:
    """An authenticated API client for one Datadog site; close it once when the bot stops."""

    def __init__(
        self,
        *,
        api_key: str,
        app_key: str,
        site: str = "datadoghq.com",
        base_url: str | None = None,
        request_timeout: float,
    ) -> None:
        if not api_key.strip() or not app_key.strip():
            raise ConfigError("Datadog needs both DD_API_KEY and DD_APP_KEY")
        configuration = Configuration(  # type: ignore[no-untyped-call]  # the SDK's is untyped
            api_key={"apiKeyAuth": api_key, "appKeyAuth": app_key},
            request_timeout=request_timeout,
            enable_retry=False,
        )
        # After the constructor: it copies DD_SITE from the process environment on its own, and
        # our settings (which may come from a .env file) are the source of truth.
        configuration.server_variables["site"] = site
        if base_url is not None:
            configuration.host = base_url.rstrip("/")
        self.api = AsyncApiClient(configuration)
        self.request_timeout = request_timeout
        self.web_url = web_url(site)

    async def close(self) -> None:
        """Release the client's pooled connections."""
        await self.api.__aexit__(None, None, None)  # type: ignore[no-untyped-call]


def web_url(site: str) -> str:
    """Datadog's web app for ``site``, where links in answers point: ``app.<site>`` for the
    sites of two labels (``datadoghq.com``, ``datadoghq.eu``, ``ddog-gov.com``), the site itself
    for the regional ones (``us3.datadoghq.com``, ``ap1.datadoghq.com``)."""
    return f"https://app.{site}" if site.count(".") == 1 else f"https://{site}"


def failure_reason(exc: BaseException, *, scope: str, timeout: float) -> str:
    """What went wrong, in words an operator can act on; ``scope`` is the Datadog permission the
    call needs (named when the app key lacks it)."""
    if isinstance(exc, ApiException):
        status = exc.status or 0
        phrase = _phrase(status)
        if status == HTTPStatus.UNAUTHORIZED:
            return f"{status} {phrase} (check DD_API_KEY, and that DD_SITE is the key's site)"
        if status == HTTPStatus.FORBIDDEN:
            # Datadog also answers 403 to a wrong API key, so both are named.
            return f"{status} {phrase} (check DD_APP_KEY's scopes, needs {scope}, and DD_API_KEY)"
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            reset = _header(exc.headers or {}, "X-RateLimit-Reset")
            if reset is not None and reset.strip().isdigit():
                return f"rate limited, retry after {int(reset)} s"
            return "rate limited"
        detail = _first_error(exc.body)
        return f"Datadog answered {status} {phrase}" + (f": {detail}" if detail else "")
    if isinstance(exc, BaseTimeout | TimeoutError):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, OSError | AiosonicError):
        return f"cannot reach Datadog ({type(exc).__name__})"
    if isinstance(exc, OpenApiException):
        # Raised by the SDK itself: a request it would not send, or an answer it could not read.
        return f"the Datadog client refused the call or its answer ({type(exc).__name__})"
    return f"internal error ({type(exc).__name__})"


async def ask_datadog(
    call: Callable[[], object], expected: type[T], *, source: str, scope: str, timeout: float
) -> T:
    """Make one SDK call, check it answered an ``expected``, and turn every failure (raised
    while the SDK builds the request, or while it is awaited) into
    :class:`SourceUnavailableError` naming ``source``.

    The SDK's API methods are typed as returning the model, but on an ``AsyncApiClient`` they
    return an awaitable of it; this is the one place that says so."""
    try:
        answer = await cast(Awaitable[object], call())
    except (OpenApiException, AiosonicError, OSError, TimeoutError) as exc:
        raise SourceUnavailableError(
            source, failure_reason(exc, scope=scope, timeout=timeout)
        ) from exc
    if not isinstance(answer, expected):
        raise SourceUnavailableError(
            source, f"unexpected answer from Datadog ({type(answer).__name__})"
        )
    return answer


def checked_service(source: str, service: str) -> str:
    """The service name, when it is safe inside a Datadog query."""
    if not _SAFE_SERVICE.match(service):
        raise SourceUnavailableError(source, f"service name {service!r} cannot go in a query")
    return service


def field(model: object, name: str) -> Any:
    """A field of an SDK model, or None when the answer left it out.

    The SDK checked each field's type when it read the answer, but its accessors are untyped;
    this is the one typed way in."""
    return getattr(model, name, None)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _first_error(body: object) -> str | None:
    """Datadog's error bodies are ``{"errors": ["..."]}``; keep the first, short."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], str):
            return errors[0][:200]
    return None

"""Building the Slack Web API client the bot uses: slack_sdk's async client with its rate-limit
retry handler added (slack_sdk does not retry 429 by default) next to its default
connection-error handler. Every 429 Slack answers is reported to the bot's metrics by method,
whether or not it is retried."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.telemetry.metrics import NO_METRICS, Metrics
from integrations.slack.outgoing import SafeWebClient

__all__ = ["CountingRateLimitHandler", "build_web_client", "method_of"]


def method_of(url: str) -> str:
    """The Web API method a request URL calls: ``…/api/chat.postMessage`` → ``chat.postMessage``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class CountingRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After, then retries), reporting each 429."""

    def __init__(self, *, max_retry_count: int, metrics: Metrics) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self._metrics.slack_rate_limited(method_of(request.url))
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )


def build_web_client(
    token: str,
    *,
    base_url: str | None = None,
    max_rate_limit_retries: int = 5,
    metrics: Metrics = NO_METRICS,
    session: aiohttp.ClientSession | None = None,
) -> SafeWebClient:
    """The bot's Web API client. Give it a ``session`` (the bot does; close it at shutdown):
    without one slack_sdk opens a new connection, TLS included, for every call, which at
    fifty commands at once costs more than the commands themselves.

    It is a :class:`SafeWebClient`: every text it sends is escaped (unless the bot composed it)
    and redacted on the way out."""
    client = SafeWebClient(
        token=token, base_url=base_url or AsyncWebClient.BASE_URL, session=session
    )
    client.retry_handlers.append(
        CountingRateLimitHandler(max_retry_count=max_rate_limit_retries, metrics=metrics)
    )
    return client

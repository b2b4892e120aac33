"""Building the Slack Web API client the bot uses: slack_sdk's async client with its rate-limit
retry handler added (slack_sdk does not retry 429 by default) next to its default
connection-error handler."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["build_web_client"]


def build_web_client(
    token: str, *, base_url: str | None = None, max_rate_limit_retries: int = 5
) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=max_rate_limit_retries)
    )
    return client

"""Display names from Slack's ``users.info``, for drafts that name people rather than ids.

Implements :class:`bot.postmortem.ports.PeopleDirectory` over slack_sdk's async client. Each id
is asked once per directory (the answer, or its absence, is cached): a postmortem names the
same few people many times. A person Slack does not know, or a call that fails, gives None and
the draft says "an unnamed person" instead of failing.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SlackDirectory"]

log = logging.getLogger(__name__)


class SlackDirectory:
    """``users.info`` with a cache, as the postmortem's people directory."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._names: dict[str, str | None] = {}

    async def display_name(self, user_id: str) -> str | None:
        if user_id in self._names:
            return self._names[user_id]
        name: str | None = None
        try:
            response = await self._client.users_info(user=user_id)
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            found = (
                profile.get("display_name")
                or profile.get("real_name")
                or user.get("real_name")
                or user.get("name")
            )
            name = str(found) if found else None
        except (TimeoutError, SlackApiError, SlackClientError, aiohttp.ClientError) as exc:
            log.info("users.info for %s failed: %s", user_id, type(exc).__name__)
        self._names[user_id] = name
        return name

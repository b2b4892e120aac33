"""The App Home tab: whenever a person opens it, publish what stands now (open incidents,
actions waiting for an approval, the kill switch), read by :func:`bot.overview.overview` and
drawn by the view the composition root hands in (``integrations.slack.home.home_view``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.overview import Overview, overview

__all__ = ["register_home"]


def register_home(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    home_view: Callable[[Overview, datetime], dict[str, Any]],
) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":  # the Messages tab has nothing to draw
            return
        async with sessions() as session:
            now_standing = await overview(session, now=clock.now())
        await client.views_publish(user_id=event["user"], view=home_view(now_standing, clock.now()))

"""The core's :class:`bot.action.ports.ActionChat` over Slack: action messages with their
buttons, results in their thread, pages to the owner's user group, and who is in which group
(read fresh for every decision: someone taken off the rota can no longer approve)."""

from __future__ import annotations

from typing import Any

from bot.action.views import ActionView
from bot.errors import ChatError
from bot.mrkdwn import Mrkdwn, escape, group_mention, mrkdwn
from integrations.slack.blocks import action_blocks, text_section
from integrations.slack.chat import SlackChat

__all__ = ["SlackActionChat"]


def _fallback(view: ActionView) -> Mrkdwn:
    return mrkdwn("{} (action #{}): {}", view.title, view.action_id, view.status)


class SlackActionChat(SlackChat):
    """A :class:`SlackChat` that also speaks for actions."""

    async def post_action(self, channel_id: str, view: ActionView) -> str:
        response = await self._call(
            "chat.postMessage", channel=channel_id, text=_fallback(view), blocks=action_blocks(view)
        )
        return str(response["ts"])

    async def update_action(self, channel_id: str, ts: str, view: ActionView) -> None:
        await self._call(
            "chat.update",
            channel=channel_id,
            ts=ts,
            text=_fallback(view),
            blocks=action_blocks(view),
        )

    async def reply(self, channel_id: str, thread_ts: str, text: str) -> str:
        response = await self._call(
            "chat.postMessage",
            channel=channel_id,
            thread_ts=thread_ts,
            text=text,
            blocks=[text_section(text)],
        )
        return str(response["ts"])

    async def page(self, channel_id: str, group_handle: str | None, text: str) -> str:
        mention: Mrkdwn = Mrkdwn("on-call")
        if group_handle:
            try:
                mention = group_mention(await self._group_id(group_handle.lstrip("@")))
            except ChatError:
                mention = escape(f"@{group_handle.lstrip('@')}")
        body = mrkdwn("Paging {}: {}", mention, text)
        response = await self._call(
            "chat.postMessage", channel=channel_id, text=body, blocks=[text_section(body)]
        )
        return str(response["ts"])

    async def groups_of(self, user: str) -> frozenset[str]:
        response = await self._get("usergroups.list", include_users="true")
        groups: list[dict[str, Any]] = response.get("usergroups", [])
        found: set[str] = set()
        for group in groups:
            if user in (group.get("users") or []):
                found.update({str(group["id"]), f"@{group['handle']}", str(group["handle"])})
        return frozenset(found)

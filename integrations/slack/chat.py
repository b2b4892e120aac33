"""The core's :class:`bot.chat.Chat` over slack_sdk's async Web API client.

Everything this adapter sends goes through
:func:`integrations.slack.outgoing.outgoing_arguments` in :meth:`SlackChat._call`, the one door
for writes: text the bot did not compose (:class:`bot.mrkdwn.Mrkdwn`) is escaped, so no
``<!channel>`` or mention from an alert, a log line or a person is obeyed, and everything is
redacted, so no secret or customer datum reaches the channel, whichever message carried it. The
one other write, a file's upload, passes its title and alt text through the same door
(:func:`~integrations.slack.outgoing.outgoing_text`); a chart's words drawn in the picture were
redacted before drawing (``MetricChart.redacted``), and a postmortem's Markdown content
(:meth:`SlackChat.upload_markdown`) is redacted whole. A channel's name is
checked against Slack's rules and for anything secret-looking before it is created
(:func:`bot.channel_names.checked_channel_name`).

Every Slack failure leaves here as :class:`bot.errors.ChatError` carrying Slack's error code
(``name_taken``, ``ratelimited``...) or ``transport`` for a network failure. Rate limits are
handled below this layer by the client's retry handler.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channel_names import checked_channel_name
from bot.chat import Channel, Notice, PostedPacket
from bot.errors import ChatError
from bot.packet.chart import ChartImage
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.postmortem.facts import ChannelMessage
from bot.redaction import redact
from bot.telemetry.metrics import NO_METRICS, Metrics
from integrations.slack.blocks import (
    narrative_blocks,
    packet_blocks,
    resolve_question_blocks,
    text_section,
)
from integrations.slack.outgoing import (
    ALT_TEXT_LIMIT,
    TITLE_LIMIT,
    outgoing_arguments,
    outgoing_text,
)

__all__ = [
    "HISTORY_PAGES",
    "NARRATIVE_EVENT_TYPE",
    "PACKET_EVENT_TYPE",
    "PEOPLE_SUBTYPES",
    "SlackChat",
]

PACKET_EVENT_TYPE = "incident_packet"
NARRATIVE_EVENT_TYPE = "incident_narrative"
NOTICE_EVENT_TYPE = "incident_notice"
HISTORY_PAGES = 25  # of 200 messages: a postmortem reads at most the channel's newest 5,000
# Message subtypes that carry a person's words (None: a plain message); joins, topic changes
# and the like are left out of a postmortem.
PEOPLE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


class SlackChat:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        group_cache_seconds: float = 600.0,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._client = client
        self._metrics = metrics
        self._bot_user_id: str | None = None
        # usergroups.list is Tier 2 (about 20 calls a minute): in a storm every incident would
        # spend one on the same answer, so the handle -> id map is kept for a while.
        self._group_ids: dict[str, str] = {}
        self._groups_fetched = -math.inf
        self._group_cache_seconds = group_cache_seconds

    async def _call(self, method: str, **arguments: Any) -> AsyncSlackResponse:
        return await self._api(method, json=outgoing_arguments(arguments))

    async def _get(self, method: str, **arguments: Any) -> AsyncSlackResponse:
        return await self._api(method, http_verb="GET", params=arguments)

    async def _api(self, method: str, **request: Any) -> AsyncSlackResponse:
        try:
            return await self._client.api_call(method, **request)
        except SlackApiError as exc:
            code = str(exc.response.get("error", "unknown_error"))
            self._metrics.slack_call_failed(method, code)
            raise ChatError(method, code) from exc
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            self._metrics.slack_call_failed(method, "transport")
            raise ChatError(method, f"transport: {type(exc).__name__}") from exc

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            response = await self._call("auth.test")
            self._bot_user_id = str(response["user_id"])
        return self._bot_user_id

    async def create_channel(self, name: str) -> Channel:
        # The core names channels by the rule of bot.channel_names; this is the last check.
        response = await self._call(
            "conversations.create", name=checked_channel_name(name), is_private=False
        )
        channel = response["channel"]
        return Channel(id=channel["id"], name=channel["name"])

    async def _channels(self) -> AsyncIterator[dict[str, Any]]:
        cursor = ""
        while True:
            response = await self._get(
                "conversations.list",
                types="public_channel",
                exclude_archived="false",
                limit=200,
                cursor=cursor,
            )
            channels: list[dict[str, Any]] = response.get("channels", [])
            for channel in channels:
                yield channel
            metadata: dict[str, Any] = response.get("response_metadata") or {}
            cursor = str(metadata.get("next_cursor") or "")
            if not cursor:
                return

    async def find_own_channel(self, name: str) -> Channel | None:
        name = checked_channel_name(name)  # as create_channel named it
        me = await self.bot_user_id()
        async for channel in self._channels():
            if channel.get("name") == name and channel.get("creator") == me:
                return Channel(id=channel["id"], name=channel["name"])
        return None

    async def set_topic(self, channel_id: str, topic: str) -> None:
        await self._call("conversations.setTopic", channel=channel_id, topic=topic)

    async def _group_id(self, handle: str) -> str:
        stale = time.monotonic() - self._groups_fetched > self._group_cache_seconds
        if stale or handle not in self._group_ids:
            groups = await self._get("usergroups.list", include_users="false")
            candidates: list[dict[str, Any]] = groups.get("usergroups", [])
            self._group_ids = {str(g["handle"]): str(g["id"]) for g in candidates}
            self._groups_fetched = time.monotonic()
        if handle not in self._group_ids:
            raise ChatError("usergroups.list", f"no_such_subteam:{handle}")
        return self._group_ids[handle]

    async def invite_people(self, channel_id: str, users: Sequence[str]) -> None:
        if not users:
            return
        try:
            await self._call("conversations.invite", channel=channel_id, users=",".join(users))
        except ChatError as exc:
            if exc.code != "already_in_channel":  # e.g. invited already as on call
                raise

    async def invite_group(self, channel_id: str, group_handle: str) -> int:
        members = await self._get(
            "usergroups.users.list", usergroup=await self._group_id(group_handle)
        )
        me = await self.bot_user_id()
        member_ids: list[str] = members.get("users", [])
        users = [user for user in member_ids if user != me]
        if not users:
            return 0
        try:
            await self._call("conversations.invite", channel=channel_id, users=",".join(users))
        except ChatError as exc:
            if exc.code != "already_in_channel":
                raise
            return 0
        return len(users)

    async def post_packet(self, channel_id: str, packet: Packet) -> str:
        response = await self._call(
            "chat.postMessage",
            channel=channel_id,
            text=render_plain(packet),
            blocks=packet_blocks(packet),
            metadata={
                "event_type": PACKET_EVENT_TYPE,
                "event_payload": {
                    "incident_id": packet.incident_id,
                    "severity": packet.severity.value,
                },
            },
            unfurl_links=False,
        )
        return str(response["ts"])

    async def update_packet(self, channel_id: str, ts: str, packet: Packet) -> None:
        await self._call(
            "chat.update",
            channel=channel_id,
            ts=ts,
            text=render_plain(packet),
            blocks=packet_blocks(packet),
        )

    async def _upload(self, **arguments: Any) -> str:
        # files_upload_v2 is three calls (files.getUploadURLExternal, the upload itself,
        # files.completeUploadExternal); a failure in any of them is this one ChatError.
        try:
            response = await self._client.files_upload_v2(**arguments)
        except SlackApiError as exc:
            code = str(exc.response.get("error", "unknown_error"))
            method = str(exc.response.api_url).rstrip("/").rpartition("/")[2]
            raise ChatError(method or "files_upload_v2", code) from exc
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise ChatError("files_upload_v2", f"transport: {type(exc).__name__}") from exc
        file: dict[str, Any] = response.get("file") or {}
        return str(file.get("id", ""))

    async def attach_image(self, channel_id: str, thread_ts: str, image: ChartImage) -> str:
        return await self._upload(
            channel=channel_id,
            thread_ts=thread_ts,
            content=image.png,
            filename=image.filename,
            title=outgoing_text(image.title, TITLE_LIMIT),
            alt_txt=outgoing_text(image.alt_text, ALT_TEXT_LIMIT),
        )

    async def upload_markdown(
        self, channel_id: str, *, filename: str, title: str, markdown: str
    ) -> str:
        """Share a Markdown document in the channel as a file. Its content is redacted here
        as a whole (no length limit: it is a file, not a message)."""
        return await self._upload(
            channel=channel_id,
            content=redact(markdown),
            filename=filename,
            title=outgoing_text(title, TITLE_LIMIT),
            snippet_type="markdown",
        )

    async def channel_messages(self, channel_id: str) -> list[ChannelMessage]:
        """The channel's top-level messages, newest first as Slack pages them, up to
        :data:`HISTORY_PAGES` pages. Join notices and other system messages are left out; the
        bot's own and other apps' messages are marked ``from_bot``."""
        me = await self.bot_user_id()
        found: list[ChannelMessage] = []
        cursor = ""
        for _ in range(HISTORY_PAGES):
            response = await self._get(
                "conversations.history", channel=channel_id, limit=200, cursor=cursor
            )
            page: list[dict[str, Any]] = response.get("messages", [])
            for message in page:
                if message.get("subtype") not in PEOPLE_SUBTYPES or "ts" not in message:
                    continue
                ts = str(message["ts"])
                user = str(message.get("user") or message.get("bot_id") or "")
                found.append(
                    ChannelMessage(
                        ts=ts,
                        at=datetime.fromtimestamp(float(ts), UTC),
                        user=user,
                        text=str(message.get("text") or ""),
                        from_bot=bool(message.get("bot_id")) or user == me or not user,
                    )
                )
            metadata: dict[str, Any] = response.get("response_metadata") or {}
            cursor = str(metadata.get("next_cursor") or "")
            if not cursor:
                break
        return found

    async def find_image(self, channel_id: str, thread_ts: str, filename: str) -> str | None:
        response = await self._get(
            "conversations.replies", channel=channel_id, ts=thread_ts, limit=200
        )
        me = await self.bot_user_id()
        messages: list[dict[str, Any]] = response.get("messages", [])
        for message in messages:
            if message.get("user") != me:
                continue
            for file in message.get("files") or []:
                if file.get("name") == filename:
                    return str(file["id"])
        return None

    async def post_narrative(
        self, channel_id: str, thread_ts: str, incident_id: int, text: str
    ) -> str:
        response = await self._call(
            "chat.postMessage",
            channel=channel_id,
            thread_ts=thread_ts,
            text=text,  # model-written words, escaped at the door: no <!channel> or links
            blocks=narrative_blocks(text),
            metadata={
                "event_type": NARRATIVE_EVENT_TYPE,
                "event_payload": {"incident_id": incident_id},
            },
            unfurl_links=False,
        )
        return str(response["ts"])

    async def find_narrative(self, channel_id: str, thread_ts: str, incident_id: int) -> str | None:
        response = await self._get(
            "conversations.replies",
            channel=channel_id,
            ts=thread_ts,
            include_all_metadata="true",
            limit=200,
        )
        found = _tagged(response, NARRATIVE_EVENT_TYPE, {"incident_id": incident_id})
        return None if found is None else str(found["ts"])

    async def announce(self, channel_id: str, text: str, *, notice: Notice | None = None) -> str:
        extra = {} if notice is None else {"metadata": _notice_metadata(notice)}
        response = await self._call(
            "chat.postMessage",
            channel=channel_id,
            text=text,
            blocks=[text_section(text)],
            **extra,
        )
        return str(response["ts"])

    async def ask_to_resolve(self, channel_id: str, text: str, *, notice: Notice) -> str:
        response = await self._call(
            "chat.postMessage",
            channel=channel_id,
            text=text,
            blocks=resolve_question_blocks(notice.incident_id, text),
            metadata=_notice_metadata(notice),
        )
        return str(response["ts"])

    async def find_notice(self, channel_id: str, notice: Notice) -> str | None:
        response = await self._get(
            "conversations.history", channel=channel_id, include_all_metadata="true", limit=200
        )
        wanted = _notice_metadata(notice)
        found = _tagged(response, NOTICE_EVENT_TYPE, wanted["event_payload"])
        return None if found is None else str(found["ts"])

    async def find_packet(self, channel_id: str, incident_id: int) -> PostedPacket | None:
        response = await self._get(
            "conversations.history", channel=channel_id, include_all_metadata="true", limit=200
        )
        found = _tagged(response, PACKET_EVENT_TYPE, {"incident_id": incident_id})
        if found is None:
            return None
        severity = found["metadata"]["event_payload"].get("severity")
        return PostedPacket(str(found["ts"]), severity if isinstance(severity, str) else None)


def _notice_metadata(notice: Notice) -> dict[str, Any]:
    return {
        "event_type": NOTICE_EVENT_TYPE,
        "event_payload": {"incident_id": notice.incident_id, "notice": notice.key},
    }


def _tagged(
    response: AsyncSlackResponse, event_type: str, payload: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The first message of a history or replies answer whose metadata has ``event_type`` and
    a payload holding every key and value of ``payload``: how the bot recognises its own posts
    after a crash."""
    messages: list[dict[str, Any]] = response.get("messages", [])
    for message in messages:
        metadata = message.get("metadata") or {}
        given = metadata.get("event_payload") or {}
        if metadata.get("event_type") == event_type and all(
            given.get(key) == value for key, value in payload.items()
        ):
            return message
    return None

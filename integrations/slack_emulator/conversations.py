"""The ``conversations.*`` methods: channels made, joined, described, listed and read, with
Slack's name rules, membership checks and cursor pagination."""

from __future__ import annotations

import re
import time
from typing import Any

from integrations.slack_emulator.arguments import (
    Arguments,
    SlackApiError,
    decode_cursor,
    encode_cursor,
)
from integrations.slack_emulator.methods import Handler, Methods
from integrations.slack_emulator.state import Channel, Message

__all__ = ["ConversationMethods", "check_channel_name"]

NAME_CHARACTERS = re.compile(r"^[a-z0-9_-]+$")
NAME_LIMIT = 80
TOPIC_LIMIT = 250


def check_channel_name(name: str) -> None:
    """Slack's rules: lowercase letters, digits, hyphens and underscores, at most 80, and not
    only punctuation."""
    if not name:
        raise SlackApiError("invalid_name_required")
    if len(name) > NAME_LIMIT:
        raise SlackApiError("invalid_name_maxlength")
    if not NAME_CHARACTERS.match(name):
        raise SlackApiError("invalid_name_specials")
    if not re.search(r"[a-z0-9]", name):
        raise SlackApiError("invalid_name_punctuation")


def _page(items: list[Any], arguments: Arguments, default: int, maximum: int) -> tuple[Any, str]:
    """One page of ``items`` from the ``cursor`` argument; returns it and the next cursor."""
    start = decode_cursor(arguments.text("cursor"))
    limit = arguments.integer("limit", default, maximum=maximum)
    end = start + limit
    return items[start:end], encode_cursor(end) if end < len(items) else ""


class ConversationMethods(Methods):
    def handlers(self) -> dict[str, Handler]:
        return {
            "conversations.create": self.create,
            "conversations.archive": self.archive,
            "conversations.invite": self.invite,
            "conversations.setTopic": self.set_topic,
            "conversations.info": self.info,
            "conversations.list": self.list_channels,
            "conversations.history": self.history,
            "conversations.replies": self.replies,
        }

    def create(self, arguments: Arguments) -> dict[str, Any]:
        name = arguments.text("name")
        check_channel_name(name)
        # Archived channels keep their names, as on Slack.
        if any(channel.name == name for channel in self.state.channels.values()):
            raise SlackApiError("name_taken")
        channel = self.state.create_channel(
            name, creator=self.bot, is_private=arguments.flag("is_private")
        )
        return {"channel": channel.to_api(self.bot)}

    def archive(self, arguments: Arguments) -> dict[str, Any]:
        channel = self.channel(arguments)
        if channel.is_archived:
            raise SlackApiError("already_archived")
        if channel.name == "general":
            raise SlackApiError("cant_archive_general")
        if self.bot not in channel.members:
            raise SlackApiError("not_in_channel")
        channel.is_archived = True
        return {}

    def invite(self, arguments: Arguments) -> dict[str, Any]:
        channel = self.channel(arguments)
        self.writable(channel)
        users = arguments.id_list("users")
        if not users:
            raise SlackApiError("no_user")
        for user in users:
            if user == self.bot:
                raise SlackApiError("cant_invite_self")
            if user not in self.state.users:
                raise SlackApiError("user_not_found")
        new = [user for user in dict.fromkeys(users) if user not in channel.members]
        if not new:  # only when every one of them is in already, as on Slack
            raise SlackApiError("already_in_channel")
        channel.members.extend(new)
        return {"channel": channel.to_api(self.bot)}

    def set_topic(self, arguments: Arguments) -> dict[str, Any]:
        channel = self.channel(arguments)
        topic = arguments.text("topic")
        if len(topic) > TOPIC_LIMIT:
            raise SlackApiError("too_long")
        self.writable(channel)
        channel.topic, channel.topic_creator = topic, self.bot
        channel.topic_last_set = int(time.time())
        return {"channel": channel.to_api(self.bot)}

    def info(self, arguments: Arguments) -> dict[str, Any]:
        return {"channel": self.channel(arguments).to_api(self.bot)}

    def _listed(self, channel: Channel, types: set[str]) -> bool:
        kind = "private_channel" if channel.is_private else "public_channel"
        visible = not channel.is_private or self.bot in channel.members
        return kind in types and visible

    def list_channels(self, arguments: Arguments) -> dict[str, Any]:
        types = set(arguments.id_list("types")) or {"public_channel"}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise SlackApiError("invalid_types")
        channels = [c for c in self.state.channels.values() if self._listed(c, types)]
        if arguments.flag("exclude_archived"):
            channels = [c for c in channels if not c.is_archived]
        page, cursor = _page(channels, arguments, default=100, maximum=1000)
        return {
            "channels": [channel.to_api(self.bot) for channel in page],
            "response_metadata": {"next_cursor": cursor},
        }

    def _readable(self, arguments: Arguments) -> Channel:
        channel = self.channel(arguments)
        if self.bot not in channel.members:  # a bot reads only the channels it is in
            raise SlackApiError("not_in_channel")
        return channel

    def history(self, arguments: Arguments) -> dict[str, Any]:
        channel = self._readable(arguments)
        latest = arguments.timestamp("latest")
        oldest = arguments.timestamp("oldest")
        inclusive = arguments.flag("inclusive")

        def in_range(message: Message) -> bool:
            ts = float(message.ts)
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                return False
            return oldest is None or ts > oldest or (ts == oldest and inclusive)

        # Top-level messages only (and replies also sent to the channel); never ephemeral ones.
        shown = [
            m
            for m in self.state.messages[channel.id]
            if not m.ephemeral and (not m.is_reply or m.reply_broadcast) and in_range(m)
        ]
        newest_first = sorted(shown, key=lambda m: float(m.ts), reverse=True)
        page, cursor = _page(newest_first, arguments, default=100, maximum=999)
        metadata = arguments.flag("include_all_metadata")
        return {
            "messages": [self.state.message_api(m, include_metadata=metadata) for m in page],
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def replies(self, arguments: Arguments) -> dict[str, Any]:
        channel = self._readable(arguments)
        message = self.state.find_message(channel.id, arguments.text("ts"))
        if message is None or message.ephemeral:
            raise SlackApiError("thread_not_found")
        if message.is_reply and message.thread_ts is not None:
            parent = self.state.find_message(channel.id, message.thread_ts)
            message = parent if parent is not None else message
        thread = [message, *self.state.replies(message)]
        page, cursor = _page(thread, arguments, default=1000, maximum=1000)
        metadata = arguments.flag("include_all_metadata")
        return {
            "messages": [self.state.message_api(m, include_metadata=metadata) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

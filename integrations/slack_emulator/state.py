"""The emulated workspace's live state: channels, messages (with threads and ephemerals) and the
observers that collect what one person sees after a command or a click."""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from integrations.slack_emulator.config import EmulatorConfig
from integrations.slack_emulator.workspace import User, UserGroup, Workspace

__all__ = ["Channel", "Message", "Observer", "WorkspaceState"]


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    members: list[str]
    topic: str = ""
    topic_last_set: int = 0
    purpose: str = ""
    is_private: bool = False
    is_archived: bool = False

    def to_api(self, viewer: str) -> dict[str, Any]:
        """Slack's channel object as the viewer (the bot) sees it."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "created": self.created,
            "creator": self.creator,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
            "topic": {
                "value": self.topic,
                "creator": self.creator,
                "last_set": self.topic_last_set,
            },
            "purpose": {"value": self.purpose, "creator": self.creator, "last_set": 0},
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    bot_id: str | None = None
    recipient: str | None = None  # set for an ephemeral message: only this user sees it
    metadata: dict[str, Any] | None = None
    edited: bool = False

    @property
    def ephemeral(self) -> bool:
        return self.recipient is not None

    def to_api(self, *, include_metadata: bool = False) -> dict[str, Any]:
        """Slack's message object (``conversations.history``, ``chat.postMessage``)."""
        body: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        if self.bot_id:
            body["bot_id"] = self.bot_id
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.edited:
            body["edited"] = {"user": self.user, "ts": self.ts}
        if include_metadata and self.metadata:
            body["metadata"] = self.metadata
        return body

    def to_control(self) -> dict[str, Any]:
        """The control API's view: everything a person (or a test) could see."""
        return {
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "ephemeral": self.ephemeral,
            "recipient": self.recipient,
            "metadata": self.metadata,
        }


@dataclass
class Observer:
    """Collects what ``user`` sees in ``channel`` from now on."""

    user: str
    channel: str
    seen: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, message: Message) -> None:
        if message.channel != self.channel:
            return
        if message.recipient is not None and message.recipient != self.user:
            return
        self.seen.append(message.to_control())
        self.changed.set()

    def add(self, response: dict[str, Any]) -> None:
        self.seen.append(response)
        self.changed.set()


def _random_id(prefix: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(10))


class WorkspaceState:
    def __init__(self, config: EmulatorConfig, workspace: Workspace) -> None:
        self.config = config
        bot = User(
            id=config.bot_user_id, name=config.bot_name, real_name=config.bot_name, is_bot=True
        )
        self.users: dict[str, User] = {user.id: user for user in (*workspace.users, bot)}
        self.usergroups: dict[str, UserGroup] = {group.id: group for group in workspace.usergroups}
        now = int(time.time())
        self.channels: dict[str, Channel] = {
            seed.id: Channel(
                id=seed.id,
                name=seed.name,
                created=now,
                creator=next(iter(seed.members), config.bot_user_id),
                members=list(seed.members),
                topic=seed.topic,
            )
            for seed in workspace.channels
        }
        self.messages: dict[str, list[Message]] = {channel: [] for channel in self.channels}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.observers: list[Observer] = []
        self._last_ts = 0.0

    def next_ts(self) -> str:
        """Slack's message id: a time with microseconds, strictly increasing."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def channel(self, key: str) -> Channel | None:
        """By id, or by name (with or without ``#``)."""
        if key in self.channels:
            return self.channels[key]
        name = key.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name), None)

    def create_channel(self, name: str, *, creator: str, is_private: bool) -> Channel:
        channel = Channel(
            id=_random_id("C"),
            name=name,
            created=int(time.time()),
            creator=creator,
            members=[creator],
            is_private=is_private,
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def add_message(self, message: Message) -> Message:
        self.messages[message.channel].append(message)
        for observer in self.observers:
            observer.offer(message)
        return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

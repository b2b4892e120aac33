"""The emulated workspace's live state: people, channels, messages (with threads and ephemeral
messages), App Home views, and the observers that collect what one person sees after a command
or a click.

Everything lives in memory and is changed only by synchronous methods, so on one asyncio loop
each change is atomic: a handler never yields half-way through one.
"""

from __future__ import annotations

import asyncio
import mimetypes
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from integrations.slack_emulator.config import EmulatorConfig
from integrations.slack_emulator.workspace import User, UserGroup, Workspace

__all__ = ["Channel", "Message", "Observer", "StoredFile", "WorkspaceState", "random_id"]

ID_ALPHABET = string.ascii_uppercase + string.digits


def random_id(prefix: str, length: int = 10) -> str:
    """Slack's ids: a letter for the kind (C channel, V view...) then uppercase alphanumerics."""
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    members: list[str]
    topic: str = ""
    topic_creator: str = ""
    topic_last_set: int = 0
    purpose: str = ""
    purpose_creator: str = ""
    purpose_last_set: int = 0
    is_private: bool = False
    is_archived: bool = False

    def to_api(self, viewer: str) -> dict[str, Any]:
        """Slack's conversation object as ``viewer`` (the bot) sees it."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            # Today's shape: a private channel is a channel (a C id) with is_private; is_group
            # is what channels made before March 2021 (G ids) still say.
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": self.created,
            "creator": self.creator,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
            "topic": {
                "value": self.topic,
                "creator": self.topic_creator,
                "last_set": self.topic_last_set,
            },
            "purpose": {
                "value": self.purpose,
                "creator": self.purpose_creator,
                "last_set": self.purpose_last_set,
            },
        }

    def to_control(self) -> dict[str, Any]:
        """The control API's view of the channel."""
        return {
            "id": self.id,
            "name": self.name,
            "topic": self.topic,
            "purpose": self.purpose,
            "members": list(self.members),
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.is_archived,
            "is_private": self.is_private,
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None  # set on replies only; a parent's comes from its replies
    bot_id: str | None = None
    app_id: str | None = None
    team: str | None = None
    recipient: str | None = None  # set on an ephemeral message: only this user sees it
    metadata: dict[str, Any] | None = None
    reply_broadcast: bool = False  # a thread reply also shown in the channel
    edited: dict[str, str] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)  # files shared with the message

    @property
    def ephemeral(self) -> bool:
        return self.recipient is not None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = False) -> dict[str, Any]:
        """Slack's message object, as chat.postMessage and conversations.history answer it."""
        body: dict[str, Any] = {"type": "message"}
        if self.reply_broadcast:
            body["subtype"] = "thread_broadcast"
        body.update({"text": self.text, "user": self.user, "ts": self.ts})
        if self.bot_id:
            body["bot_id"] = self.bot_id
        if self.app_id:
            body["app_id"] = self.app_id
        if self.team:
            body["team"] = self.team
        body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.edited:
            body["edited"] = dict(self.edited)
        if self.files:
            body["files"] = [dict(file) for file in self.files]
            body["upload"] = True
            body["display_as_bot"] = False
        if include_metadata and self.metadata:
            body["metadata"] = self.metadata
        return body

    def to_control(self) -> dict[str, Any]:
        """The control API's view: everything a person (or a test) could see."""
        view: dict[str, Any] = {
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "ephemeral": self.ephemeral,
            "recipient": self.recipient,
            "metadata": self.metadata,
        }
        if self.files:
            view["files"] = [dict(file) for file in self.files]
        return view


@dataclass
class StoredFile:
    """A file on its way through ``files.getUploadURLExternal`` (``length`` promised), its
    upload URL (``content`` arrives) and ``files.completeUploadExternal`` (``title`` set,
    shared into ``channels``)."""

    id: str
    name: str
    length: int
    user: str
    created: int
    upload_key: str
    alt_txt: str | None = None
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    shares: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # channel -> [ts]

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    @property
    def filetype(self) -> str:
        suffix = self.name.rpartition(".")[2].lower() if "." in self.name else ""
        return suffix or "binary"

    def to_api(self, base_url: str, team: str) -> dict[str, Any]:
        """Slack's file object, as files.completeUploadExternal and messages carry it."""
        private = f"{base_url}/files-pri/{team}-{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": team,
            "editable": False,
            "size": len(self.content or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(self.shares),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private,
            "url_private_download": f"{private}?download=1",
            "permalink": f"{base_url}/files/{self.user}/{self.id}/{self.name}",
            "alt_txt": self.alt_txt,
            "channels": sorted(self.shares),
            "groups": [],
            "ims": [],
            "shares": {"public": {c: list(s) for c, s in self.shares.items()}},
            "has_rich_preview": False,
        }

    def to_control(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "length": self.length,
            "size": len(self.content) if self.content is not None else None,
            "mimetype": self.mimetype,
            "uploaded": self.content is not None,
            "completed": self.completed,
            "shares": {c: list(s) for c, s in self.shares.items()},
        }


@dataclass
class Observer:
    """Collects, from now on, what ``user`` sees the bot say in ``channel``: messages the bot
    posts there, ephemeral messages to this user, and anything added by hand (a replaced
    message).

    A reply in a thread is seen only in the thread the person has open (``thread``: the one of
    the message they clicked or posted): Slack shows the channel a reply count under the parent,
    not the reply, unless it is also sent to the channel. So a command's answers are not mixed
    with, say, a chart the bot is putting in its packet's thread at the same moment."""

    user: str
    channel: str
    bot_user_id: str
    thread: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, message: Message) -> None:
        if message.channel != self.channel or message.user != self.bot_user_id:
            return
        if message.recipient not in (None, self.user):
            return
        if message.is_reply and not message.reply_broadcast and message.thread_ts != self.thread:
            return
        self.add(message.to_control())

    def add(self, response: dict[str, Any]) -> None:
        self.seen.append(response)
        self.changed.set()


class WorkspaceState:
    def __init__(self, config: EmulatorConfig, workspace: Workspace) -> None:
        self.config = config
        bot = User(
            id=config.bot_user_id, name=config.bot_name, real_name=config.bot_name, is_bot=True
        )
        self.users: dict[str, User] = {user.id: user for user in (*workspace.users, bot)}
        self.usergroups: dict[str, UserGroup] = {group.id: group for group in workspace.usergroups}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        now = int(time.time())
        for seed in workspace.channels:
            strangers = [member for member in seed.members if member not in self.users]
            if strangers:
                raise ValueError(f"channel #{seed.name} lists unknown members: {strangers}")
            self.channels[seed.id] = Channel(
                id=seed.id,
                name=seed.name,
                created=now,
                creator=next(iter(seed.members), config.bot_user_id),
                members=list(seed.members),
                topic=seed.topic,
                purpose=seed.purpose,
                is_private=seed.is_private,
            )
            self.messages[seed.id] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.observers: list[Observer] = []
        self._last_micros = 0

    def next_ts(self) -> str:
        """Slack's message id: the time with microseconds, unique and strictly increasing (kept
        in integer microseconds so no two ever format alike)."""
        self._last_micros = max(time.time_ns() // 1000, self._last_micros + 1)
        seconds, micros = divmod(self._last_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def channel(self, key: str) -> Channel | None:
        """By id, or by name (with or without ``#``)."""
        if key in self.channels:
            return self.channels[key]
        name = key.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name), None)

    def create_channel(self, name: str, *, creator: str, is_private: bool) -> Channel:
        channel_id = random_id("C")
        while channel_id in self.channels:
            channel_id = random_id("C")
        channel = Channel(
            id=channel_id,
            name=name,
            created=int(time.time()),
            creator=creator,
            members=[creator],
            is_private=is_private,
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def observe(self, user: str, channel: str, thread: str | None = None) -> Observer:
        """Start collecting what ``user`` sees in ``channel`` (and in ``thread``, if open)."""
        observer = Observer(
            user=user, channel=channel, bot_user_id=self.config.bot_user_id, thread=thread
        )
        self.observers.append(observer)
        return observer

    def forget(self, observer: Observer) -> None:
        self.observers.remove(observer)

    def add_message(self, message: Message) -> Message:
        self.messages[message.channel].append(message)
        for observer in self.observers:
            observer.offer(message)
        return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def remove_message(self, message: Message) -> None:
        self.messages[message.channel].remove(message)

    def replies(self, parent: Message) -> list[Message]:
        """A thread's replies, oldest first (ephemeral ones excluded: nobody else sees them)."""
        return [
            m
            for m in self.messages[parent.channel]
            if m.thread_ts == parent.ts and m.ts != parent.ts and not m.ephemeral
        ]

    def message_api(self, message: Message, *, include_metadata: bool = False) -> dict[str, Any]:
        """A message as Slack lists it: a thread's parent also carries its reply summary."""
        body = message.to_api(include_metadata=include_metadata)
        replies = [] if message.is_reply else self.replies(message)
        if replies:
            body.update(
                thread_ts=message.ts,
                reply_count=len(replies),
                reply_users=sorted({reply.user for reply in replies}),
                reply_users_count=len({reply.user for reply in replies}),
                latest_reply=replies[-1].ts,
            )
        return body

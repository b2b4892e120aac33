"""What the core needs from the chat platform. The Slack adapter implements it; the core never
sees a Slack type. Failures arrive as :class:`bot.errors.ChatError` with the platform's code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.packet.chart import ChartImage
from bot.packet.values import Packet

__all__ = ["Channel", "Chat", "Notice", "PostedPacket"]


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Notice:
    """What an incident's notice in its channel is about (``severity:sev3->sev2``,
    ``resolve_asked:12``): one message per key, however often a crash makes the bot try."""

    incident_id: int
    key: str


@dataclass(frozen=True, slots=True)
class PostedPacket:
    """A packet found in its channel: its message and the severity it showed (None when the
    message does not say: posted by a version that did not record it)."""

    ts: str
    severity: str | None


class Chat(Protocol):
    async def create_channel(self, name: str) -> Channel:
        """Create a public channel; ``ChatError(code="name_taken")`` when the name is used."""
        ...

    async def find_own_channel(self, name: str) -> Channel | None:
        """The channel called ``name`` if the bot itself created it (to adopt after a crash)."""
        ...

    async def set_topic(self, channel_id: str, topic: str) -> None: ...

    async def invite_people(self, channel_id: str, users: Sequence[str]) -> None:
        """Invite these people (Slack user ids); one already in the channel counts as done."""
        ...

    async def invite_group(self, channel_id: str, group_handle: str) -> int:
        """Invite every member of the user group; return how many were invited."""
        ...

    async def post_packet(self, channel_id: str, packet: Packet) -> str:
        """Post the packet; return the message ``ts``. The message carries the incident id and
        the severity shown in its metadata, for :meth:`find_packet`."""
        ...

    async def find_packet(self, channel_id: str, incident_id: int) -> PostedPacket | None:
        """This incident's packet if it is already in the channel (to recognise a post a crash
        interrupted before it was recorded)."""
        ...

    async def update_packet(self, channel_id: str, ts: str, packet: Packet) -> None:
        """Replace the posted packet with a newer one (same message, edited)."""
        ...

    async def attach_image(self, channel_id: str, thread_ts: str, image: ChartImage) -> str:
        """Upload the image as a reply in the thread of ``thread_ts``; return the file's id."""
        ...

    async def find_image(self, channel_id: str, thread_ts: str, filename: str) -> str | None:
        """The id of the bot's file called ``filename`` in that thread, if it is there already
        (to recognise an upload a crash interrupted before it was recorded)."""
        ...

    async def post_narrative(
        self, channel_id: str, thread_ts: str, incident_id: int, text: str
    ) -> str:
        """Reply in the packet's thread with the "likely cause" paragraph (mrkdwn); return its
        ``ts``. The reply carries the incident id in its metadata for :meth:`find_narrative`."""
        ...

    async def find_narrative(self, channel_id: str, thread_ts: str, incident_id: int) -> str | None:
        """The ``ts`` of this incident's narrative reply if it is in the thread already (to
        recognise a post a crash interrupted before it was recorded)."""
        ...

    async def announce(self, channel_id: str, text: str, *, notice: Notice | None = None) -> str:
        """Post a plain notice in the channel; return its ``ts``. A ``notice`` is carried in the
        message's metadata, for :meth:`find_notice`."""
        ...

    async def ask_to_resolve(self, channel_id: str, text: str, *, notice: Notice) -> str:
        """Ask the channel whether to resolve ``notice.incident_id``, with a button that does
        it. The message carries ``notice`` in its metadata, for :meth:`find_notice`."""
        ...

    async def find_notice(self, channel_id: str, notice: Notice) -> str | None:
        """The ``ts`` of the message posted with ``notice``, if it is in the channel already (to
        recognise a post a crash interrupted before it was recorded)."""
        ...

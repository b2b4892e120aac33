"""What the postmortem needs from outside the core, declared here and implemented by adapters:
reading and writing the incident channel (the Slack adapter), and optionally prose from a
grounded narrator (an LLM that only restates the facts it is given, citing their ids).

The narrator's shape is that of ``bot.narrator``'s ``Narrator.write``: numbered facts
(``E1``, ``E2``... :class:`bot.narrator.values.Fact`; the draft shows the same ids, so a
citation can be followed) and instructions in, a narration out whose ``text`` is used only when
it is ``grounded``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.narrator.values import Fact
from bot.postmortem.facts import ChannelMessage

__all__ = [
    "ChannelHistory",
    "Fact",
    "Narration",
    "PeopleDirectory",
    "PostmortemChat",
    "PostmortemNarrator",
]


class ChannelHistory(Protocol):
    async def channel_messages(self, channel_id: str) -> Sequence[ChannelMessage]:
        """Every top-level message of the channel (people's and the bot's), in any order;
        :class:`bot.errors.ChatError` when the channel cannot be read."""
        ...


class PeopleDirectory(Protocol):
    async def display_name(self, user_id: str) -> str | None:
        """The person's display name (Slack's ``users.info``), None when the directory does
        not know them or cannot be asked; answers are cached by the adapter."""
        ...


class PostmortemChat(ChannelHistory, Protocol):
    async def upload_markdown(
        self, channel_id: str, *, filename: str, title: str, markdown: str
    ) -> str:
        """Share ``markdown`` in the channel as a file called ``filename``; return its id."""
        ...

    async def announce(self, channel_id: str, text: str) -> str:
        """Post a plain message in the channel; return its ``ts``."""
        ...


class Narration(Protocol):
    @property
    def grounded(self) -> bool:
        """True when there is prose whose every claim rests on the facts it cites."""
        ...

    @property
    def dropped(self) -> Sequence[object]:
        """The claims the verifier left out (counted in the draft)."""
        ...

    @property
    def error(self) -> str | None:
        """Why the model gave no usable answer, when it did not (named in the draft)."""
        ...

    @property
    def text(self) -> str:
        """The grounded claims as one paragraph, each with its citations."""
        ...


class PostmortemNarrator(Protocol):
    async def write(
        self,
        *,
        purpose: str,
        facts: Sequence[Fact],
        instructions: str,
        incident_id: int | None,
        names: Iterable[str] = (),
        advice: Sequence[str] = (),
    ) -> Narration:
        """Prose about ``facts`` following ``instructions``; claims the verifier does not pass
        are dropped. ``names`` are the services and people around the incident, ``advice`` the
        only steps a claim may advise (the packet's suggested actions and runbook).
        Failures come back as a narration that is not grounded (or, at worst, as an
        :class:`bot.errors.IncidentBotError`); the deterministic text is used then."""
        ...

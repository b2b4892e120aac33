"""What the postmortem needs from outside the core, declared here and implemented by adapters:
reading and writing the incident channel (the Slack adapter), and optionally prose from a
grounded narrator (an LLM that only restates the facts it is given, citing their ids)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.postmortem.facts import ChannelMessage

__all__ = ["ChannelHistory", "Fact", "NarratedSection", "PostmortemChat", "PostmortemNarrator"]

NarratedSection = Literal["summary", "root_cause"]


class ChannelHistory(Protocol):
    async def channel_messages(self, channel_id: str) -> Sequence[ChannelMessage]:
        """Every top-level message of the channel (people's and the bot's), in any order;
        :class:`bot.errors.ChatError` when the channel cannot be read."""
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


@dataclass(frozen=True, slots=True)
class Fact:
    """One statement the narrator may use, with the id its claims must cite (``T3`` is the
    third timeline entry, ``H1`` the top hypothesis, ``E2`` the second piece of evidence)."""

    id: str
    text: str


class PostmortemNarrator(Protocol):
    async def narrate(self, section: NarratedSection, facts: Sequence[Fact]) -> str | None:
        """Prose for ``section`` built only from ``facts``, citing their ids; claims without a
        fact behind them are dropped. None (or empty text) when there is nothing grounded to
        say or the model cannot be reached: the deterministic text is used instead. Failures
        arrive as None or as an :class:`bot.errors.IncidentBotError`, never another error."""
        ...

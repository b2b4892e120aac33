"""The postmortem's multi-step processes: gather the facts (database, then the channel through
:class:`~bot.postmortem.ports.ChannelHistory`), write the draft, share it in the channel and
record that in the audit chain. A refusal is recorded too."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import Clock
from bot.errors import ChatError
from bot.postmortem.draft import Postmortem, write_postmortem
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.people import user_ids
from bot.postmortem.ports import (
    ChannelHistory,
    PeopleDirectory,
    PostmortemChat,
    PostmortemNarrator,
)
from bot.postmortem.sections import people_messages
from bot.postmortem.service import stored_facts

__all__ = [
    "NO_CHANNEL",
    "gather_facts",
    "publish_postmortem",
    "record_refusal",
]

NO_CHANNEL = "The incident has no channel, so no channel messages are included."


async def gather_facts(
    *,
    sessions: async_sessionmaker[AsyncSession],
    incident_id: int,
    catalog: Catalog,
    clock: Clock,
    history: ChannelHistory | None,
    directory: PeopleDirectory | None = None,
    no_history: str = "Channel messages were not read (no Slack connection): this draft holds "
    "the bot's own data only.",
) -> PostmortemFacts | None:
    """The incident's facts with people's channel messages and their display names (from
    ``directory``); None for an unknown incident. A channel that cannot be read leaves a note
    in the facts instead of failing the draft."""
    facts = await _gather(sessions, incident_id, catalog, clock, history, no_history)
    if facts is None or directory is None:
        return facts
    people: dict[str, str] = {}
    for user in user_ids(facts):
        name = await directory.display_name(user)
        if name:
            people[user] = name
    return replace(facts, people=MappingProxyType(people))


async def _gather(
    sessions: async_sessionmaker[AsyncSession],
    incident_id: int,
    catalog: Catalog,
    clock: Clock,
    history: ChannelHistory | None,
    no_history: str,
) -> PostmortemFacts | None:
    async with sessions() as session:
        facts = await stored_facts(session, incident_id, catalog=catalog, now=clock.now())
    if facts is None:
        return None
    channel_id = facts.incident.channel_id
    if channel_id is None:
        return _with_note(facts, NO_CHANNEL)
    if history is None:
        return _with_note(facts, no_history)
    try:
        messages = await history.channel_messages(channel_id)
    except ChatError as exc:
        return _with_note(
            facts,
            f"Channel messages could not be read ({exc}): this draft holds the bot's own data "
            "only.",
        )
    people = tuple(
        sorted((m for m in messages if not m.from_bot), key=lambda m: (float(m.ts), m.ts))
    )
    return replace(facts, messages=people)


def _with_note(facts: PostmortemFacts, note: str) -> PostmortemFacts:
    return replace(facts, history_note=note)


async def publish_postmortem(
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: PostmortemChat,
    incident_id: int,
    channel_id: str,
    actor: str,
    catalog: Catalog,
    clock: Clock,
    narrator: PostmortemNarrator | None = None,
    directory: PeopleDirectory | None = None,
) -> Postmortem | None:
    """Draft the incident's postmortem, share it in ``channel_id`` as a Markdown file with a
    summary message, and append ``postmortem.drafted``. None for an unknown incident;
    :class:`ChatError` when Slack refuses the upload or the message (nothing is audited then)."""
    facts = await gather_facts(
        sessions=sessions,
        incident_id=incident_id,
        catalog=catalog,
        clock=clock,
        history=chat,
        directory=directory,
    )
    if facts is None:
        return None
    draft = await write_postmortem(facts, narrator=narrator)
    file_id = await chat.upload_markdown(
        channel_id, filename=draft.filename, title=draft.title, markdown=draft.markdown
    )
    ts = await chat.announce(channel_id, draft.summary)
    async with sessions() as session, session.begin():
        await audit.append(
            session,
            clock=clock,
            actor=actor,
            event="postmortem.drafted",
            incident_id=incident_id,
            details={
                "file_id": file_id,
                "filename": draft.filename,
                "ts": ts,
                "timeline_entries": len(draft.timeline),
                "messages": len(people_messages(facts)),
                "narrated": list(draft.narrated),
                # Read by the action sweep to open follow-up tickets (bot.action.vendor_steps).
                "action_items": list(draft.items),
            },
        )
    return draft


async def record_refusal(
    session: AsyncSession, *, incident_id: int, actor: str, reason: str, clock: Clock
) -> None:
    """Audit a refused ``/postmortem`` in the caller's transaction."""
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="postmortem.refused",
        incident_id=incident_id,
        details={"reason": reason},
    )

"""People in a postmortem by name, never by id: pure.

The record holds Slack user ids (``slack:U0ALICE`` as an audit actor, ``U0BOB`` on a message,
``<@U0CAROL>`` inside one). The draft shows each as the display name the directory gave
(:attr:`bot.postmortem.facts.PostmortemFacts.people`); a person the directory did not name is
"an unnamed person (A)", a letter per person, so the draft still tells people apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import ascii_uppercase

from bot.postmortem.facts import PostmortemFacts

__all__ = ["Names", "user_ids"]

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SYSTEM_ACTORS = {"bot": "the bot", "narrator": "the narrator", "system": "the bot"}


def _id(actor: str | None) -> str | None:
    if not actor:
        return None
    plain = actor.removeprefix("slack:")
    return plain if USER_ID.match(plain) else None


def user_ids(facts: PostmortemFacts) -> list[str]:
    """Every Slack user id the facts hold, in a fixed order (first appearance)."""
    found: list[str | None] = [_id(facts.incident.commander)]
    found += [_id(row.actor) for row in facts.audit]
    for action in facts.actions:
        found += [_id(action.proposed_by), _id(action.decided_by)]
    for message in facts.messages:
        found.append(_id(message.user))
        found += MENTION.findall(message.text)
    for row in facts.audit:
        for key in ("commander", "previous", "declared_by"):
            value = row.details.get(key)
            found.append(_id(value) if isinstance(value, str) else None)
    return list(dict.fromkeys(i for i in found if i))


class Names:
    """Display names for the ids in one draft."""

    def __init__(self, people: Mapping[str, str], ids: Iterable[str] = ()) -> None:
        self._people = dict(people)
        unnamed = [i for i in ids if not self._people.get(i)]
        letters = iter(ascii_uppercase * 10)
        self._unnamed = {i: f"an unnamed person ({next(letters)})" for i in unnamed}

    @classmethod
    def of(cls, facts: PostmortemFacts) -> Names:
        return cls(facts.people, user_ids(facts))

    @property
    def known(self) -> tuple[str, ...]:
        """The display names, for the verifier's list of people."""
        return tuple(name for name in self._people.values() if name)

    def person(self, actor: str | None) -> str:
        """``slack:U0ALICE`` as ``Alice``; ``bot`` as ``the bot``; anything else as written."""
        if not actor:
            return "someone unrecorded"
        if actor in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[actor]
        user = _id(actor)
        if user is None:
            return actor.removeprefix("slack:")
        return self._people.get(user) or self._unnamed.get(user) or "an unnamed person"

    def text(self, text: str) -> str:
        """``text`` with every ``<@U...>`` mention and known id replaced by a name."""
        text = MENTION.sub(lambda m: "@" + self.person(m.group(1)), text)
        for user in (*self._people, *self._unnamed):
            text = re.sub(rf"\b{re.escape(user)}\b", self.person(user), text)
        return text

"""Causes people confirmed: what ``/incident confirm-cause`` records and how the draft marks it.
Pure.

The incident commander (or, while none is set, whoever may draft the postmortem) confirms one
of the packet's ranked hypotheses, one of its contributing factors (its warnings and missing
evidence, in the order the draft lists them), or a cause in their own words. Each confirmation
is one ``incident.cause_confirmed`` audit row; the draft's Summary, Trigger and Root cause mark
what it names **confirmed** with who confirmed it, and everything else **unconfirmed**.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.narrator.untrusted import shown_as_data
from bot.postmortem.facts import AuditFact, PacketFacts, PostmortemFacts
from bot.postmortem.people import Names

__all__ = [
    "CONFIRMED_EVENT",
    "NOTE_LIMIT",
    "CauseKind",
    "Confirmation",
    "choices",
    "confirmations",
    "contributing_factors",
    "mark",
    "quoted",
    "stated_causes",
]

# The audit event of a confirmation; details: {"cause", "kind", "number", "note", "commander"}.
CONFIRMED_EVENT = "incident.cause_confirmed"
NOTE_LIMIT = 300  # characters of a person's note kept on the row and in the draft


class CauseKind(StrEnum):
    HYPOTHESIS = "hypothesis"  # one of the packet's ranked hypotheses, by rank
    FACTOR = "factor"  # one of its contributing factors, by position
    STATED = "stated"  # a cause in the confirmer's own words


@dataclass(frozen=True, slots=True)
class Confirmation:
    """One confirmed cause: its text as the packet showed it (or as the person wrote it), who
    confirmed it (``slack:U…``), whether they were the incident's commander then, and their
    note."""

    cause: str
    kind: CauseKind
    actor: str
    as_commander: bool
    note: str | None = None

    def by(self, names: Names) -> str:
        """``by the incident commander (Alice)``, or who confirmed it while none was set."""
        who = names.person(self.actor)
        if self.as_commander:
            return f"by the incident commander ({who})"
        return f"by {who} (no incident commander was set)"


def contributing_factors(packet: PacketFacts) -> tuple[str, ...]:
    """The packet's contributing factors in the draft's order: its warnings, then each source
    of evidence that was unavailable."""
    return (*packet.warnings, *(f"Evidence unavailable: {u}" for u in packet.unavailable))


def choices(packet: PacketFacts | None, kind: CauseKind) -> tuple[str, ...]:
    """What ``kind`` can be chosen from, numbered from 1 in this order."""
    if packet is None:
        return ()
    return packet.causes if kind is CauseKind.HYPOTHESIS else contributing_factors(packet)


def _valid(row: AuditFact, commander_now: str | None) -> Confirmation | None:
    """The row as a confirmation, when whoever wrote it might: the commander then (the row
    says who that was) or, with none set then, anyone the command allowed; a row without that
    record counts only from today's commander."""
    cause = row.details.get("cause")
    if not isinstance(cause, str) or not cause.strip():
        return None
    actor = row.actor.removeprefix("slack:")
    if "commander" in row.details:
        then = row.details.get("commander")
        if then is not None and then != actor:
            return None
        as_commander = then == actor
    elif commander_now is not None and actor == commander_now:
        as_commander = True
    else:
        return None
    try:
        kind = CauseKind(str(row.details.get("kind", CauseKind.HYPOTHESIS.value)))
    except ValueError:
        return None
    note = row.details.get("note")
    return Confirmation(
        cause, kind, row.actor, as_commander, note if isinstance(note, str) and note else None
    )


def confirmations(facts: PostmortemFacts) -> tuple[Confirmation, ...]:
    """Every valid confirmation of the incident, in the audit's order."""
    commander = facts.incident.commander
    return tuple(
        found
        for row in facts.audit
        if row.event == CONFIRMED_EVENT and (found := _valid(row, commander)) is not None
    )


def stated_causes(found: Sequence[Confirmation]) -> tuple[Confirmation, ...]:
    """The causes people confirmed in their own words."""
    return tuple(c for c in found if c.kind is CauseKind.STATED)


def _matches(confirmation: Confirmation, text: str) -> bool:
    cause = confirmation.cause
    return confirmation.kind is not CauseKind.STATED and (cause in text or text in cause)


def mark(text: str, found: Sequence[Confirmation], names: Names) -> str:
    """``text`` (shown as data) marked confirmed, by whom and with their note, or unconfirmed."""
    confirmed = next((c for c in reversed(found) if _matches(c, text)), None)
    if confirmed is None:
        return f"{shown_as_data(text)} — **unconfirmed**"
    note = f": {quoted(confirmed.note)}" if confirmed.note else ""
    return f"{shown_as_data(text)} — **confirmed** {confirmed.by(names)}{note}"


def quoted(text: str) -> str:
    """A person's words in quotes, marked as untrusted when they read like an instruction."""
    shown = shown_as_data(text)
    return shown if shown != text else f"“{text}”"

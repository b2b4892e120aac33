"""Confirming a cause of an incident: who may, and the ``incident.cause_confirmed`` audit row
the postmortem draft reads (:mod:`bot.postmortem.confirmations`). The caller owns the
transaction.

Who may: the incident's commander once one is set, and only they; while none is set, whoever
may draft the postmortem (the policy's ``postmortem.allowed``, or with no such list anyone in
the incident's channel). A hypothesis or a factor is named by its number in the packet as it
was posted (``incidents.packet_text``), so what is confirmed is what people saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages
from bot.audit import service as audit
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident.models import IncidentRecord
from bot.postmortem.confirmations import CONFIRMED_EVENT, NOTE_LIMIT, CauseKind, choices
from bot.postmortem.packet_text import read_packet_text
from bot.redaction import redact

__all__ = ["CauseChoice", "ConfirmedCause", "confirm_cause", "confirmation_refusal"]


@dataclass(frozen=True, slots=True)
class CauseChoice:
    """What a person confirms: the packet's hypothesis or factor ``number``, or a cause in
    their own words (``stated``), with an optional note."""

    kind: CauseKind
    number: int | None = None
    stated: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ConfirmedCause:
    incident_id: int
    cause: str
    kind: CauseKind
    number: int | None
    note: str | None


def confirmation_refusal(
    *, user: str, commander: str | None, policy_reason: str | None
) -> str | None:
    """Why ``user`` may not confirm a cause, or None. ``policy_reason`` is the policy's
    refusal of a postmortem to ``user`` (None when it allows them), which governs only while no
    commander is set."""
    if commander is not None:
        if user == commander:
            return None
        return f"only the incident commander ({commander}) may confirm a cause"
    return policy_reason


def _cleaned(text: str | None) -> str | None:
    """A person's words, redacted and cut to :data:`NOTE_LIMIT` for the audit row."""
    if text is None or not text.strip():
        return None
    kept = redact(" ".join(text.split()))
    return kept if len(kept) <= NOTE_LIMIT else kept[: NOTE_LIMIT - 1] + "…"


def _cause_text(record: IncidentRecord, choice: CauseChoice) -> str:
    if choice.kind is CauseKind.STATED:
        stated = _cleaned(choice.stated)
        if stated is None:
            raise CommandUsageError(messages.INCIDENT_USAGE)
        return stated
    options = choices(read_packet_text(record.packet_text), choice.kind)
    number = choice.number or 0
    if not 1 <= number <= len(options):
        raise CommandUsageError(
            messages.cause_choices(record.id, choice.kind.value, number, options)
        )
    return options[number - 1]


async def confirm_cause(
    session: AsyncSession,
    record: IncidentRecord,
    *,
    choice: CauseChoice,
    actor: str,
    clock: Clock,
) -> ConfirmedCause:
    """Record that ``actor`` confirmed ``choice`` as a cause of ``record``'s incident (one audit
    row, naming who commanded it then). A number the packet does not list is a
    :class:`CommandUsageError` listing what it does; nothing is recorded then."""
    cause = _cause_text(record, choice)
    note = _cleaned(choice.note)
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event=CONFIRMED_EVENT,
        incident_id=record.id,
        details={
            "cause": cause,
            "kind": choice.kind.value,
            "number": choice.number,
            "note": note,
            "commander": record.commander,
        },
    )
    return ConfirmedCause(record.id, cause, choice.kind, choice.number, note)

"""Who may draft an incident's postmortem from Slack, decided and recorded in the core: its
commander, and those the policy's ``postmortem.allowed`` names; with no such list, anyone in the
incident's channel while no commander is set, and only the commander once one is. A refusal is
audited (``postmortem.refused``) before the listener answers it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident import service as incidents
from bot.policy import Policy
from bot.postmortem.flows import record_refusal

__all__ = ["Admitted", "NoIncidentHere", "Refused", "admit_draft", "postmortem_refusal"]


@dataclass(frozen=True, slots=True)
class NoIncidentHere:
    """The command ran outside an incident channel."""


@dataclass(frozen=True, slots=True)
class Refused:
    incident_id: int
    commander: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Admitted:
    incident_id: int


def postmortem_refusal(
    policy: Policy, *, user: str, user_groups: frozenset[str], commander: str | None
) -> str | None:
    """None when ``user`` may draft it; otherwise the reason, for the person and the audit."""
    refused = policy.postmortem_refusal(
        user=user, user_groups=user_groups, is_commander=user == commander
    )
    if refused is not None:
        return refused.reason
    if policy.postmortem.allowed is not None or commander is None or user == commander:
        return None
    return f"only the incident commander ({commander}) may draft the postmortem"


async def admit_draft(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: Policy,
    user: str,
    user_groups: frozenset[str],
    channel_id: str,
) -> NoIncidentHere | Refused | Admitted:
    """May ``user`` draft the postmortem of the incident whose channel is ``channel_id``? A
    refusal is audited here, in its own transaction."""
    async with sessions() as session:
        here = await incidents.by_channel(session, channel_id)
    if here is None:
        return NoIncidentHere()
    reason = postmortem_refusal(
        policy, user=user, user_groups=user_groups, commander=here.commander
    )
    if reason is None:
        return Admitted(here.id)
    async with sessions() as session, session.begin():
        await record_refusal(
            session, incident_id=here.id, actor=f"slack:{user}", reason=reason, clock=clock
        )
    return Refused(here.id, here.commander, reason)

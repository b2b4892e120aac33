"""The autonomy level an action gets right now: the policy's level for its kind and service,
lowered by a ceiling that the moment sets. Pure.

- The kill switch lowers every kind to ``suggest``: nothing runs, on its own or approved.
- A change freeze covering the service (for any kind) lowers ``auto`` to ``approve``: during a
  freeze nothing runs without a person having looked at its plan (and the freeze's own guard
  still refuses the kinds it covers).
- An incident that raises ``customer_data`` or ``unsafe_rollback`` lowers ``auto`` to
  ``approve``: the bot never acts on its own where its action could widen a leak or roll a
  schema back under a release.
- A customer-facing status update (:data:`ALWAYS_APPROVED`) is never ``auto``: what customers
  read is approved by a person, whatever the policy file says.

The decision names the policy key that set the level (the audit records an ``auto`` action as
approved by that rule) and, when lowered, what lowered it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.action.kinds import ActionKind
from bot.evidence.values import ChangeWindow
from bot.policy.models import Autonomy
from bot.policy.rules import ALWAYS_APPROVED, Policy

__all__ = ["NO_AUTO_MARKERS", "AutonomyDecision", "autonomy_now"]

NO_AUTO_MARKERS = ("customer_data", "unsafe_rollback")
"""Markers under which nothing runs on its own."""


@dataclass(frozen=True, slots=True)
class AutonomyDecision:
    """``level`` as it stands now; ``rule`` the policy key that set the level before any
    ceiling; ``lowered_by`` (``kill_switch``, ``change_freeze``, a marker) and ``reason`` when
    a ceiling lowered it."""

    level: Autonomy
    rule: str
    configured: Autonomy
    lowered_by: str | None = None
    reason: str | None = None


def autonomy_now(
    policy: Policy,
    *,
    kind: ActionKind,
    service: str,
    now: datetime,
    kill_switch: bool,
    markers: Collection[str] | None = (),
    calendar: Sequence[ChangeWindow] = (),
) -> AutonomyDecision:
    """The level ``kind`` on ``service`` gets at ``now``, given the kill switch, the incident's
    raised markers (their values, ``customer_data``; None: not known, which lowers ``auto``
    as a dangerous one would) and the change calendar."""
    configured, rule = policy.autonomy(kind, service)
    if kill_switch and configured is not Autonomy.SUGGEST:
        return AutonomyDecision(
            Autonomy.SUGGEST, rule, configured, "kill_switch", "the kill switch is engaged"
        )
    if configured is not Autonomy.AUTO:
        return AutonomyDecision(configured, rule, configured)
    if kind in ALWAYS_APPROVED:
        return AutonomyDecision(
            Autonomy.APPROVE,
            rule,
            configured,
            "customer_facing",
            "what customers read is always approved by a person",
        )
    if markers is None:
        return AutonomyDecision(
            Autonomy.APPROVE,
            rule,
            configured,
            "markers",
            "what the incident raises is not known yet: nothing runs without a person's approval",
        )
    raised = [marker for marker in NO_AUTO_MARKERS if marker in markers]
    if raised:
        return AutonomyDecision(
            Autonomy.APPROVE,
            rule,
            configured,
            raised[0],
            f"the incident raises {raised[0]}: nothing runs without a person's approval",
        )
    for frozen_kind in ActionKind:
        freeze = policy.freeze_until(kind=frozen_kind, service=service, now=now, calendar=calendar)
        if freeze is not None:
            until, note = freeze
            why = f"a change freeze covers {service} until {until:%Y-%m-%d %H:%M} UTC"
            return AutonomyDecision(
                Autonomy.APPROVE,
                rule,
                configured,
                "change_freeze",
                f"{why}: {note}" if note else why,
            )
    return AutonomyDecision(Autonomy.AUTO, rule, configured)

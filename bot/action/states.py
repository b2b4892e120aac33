"""The action state machine, pure: which state may follow which.

::

    proposed ─► approved ─► executing ─► succeeded ─► verified
        │           │           │             └─────► not_verified
        ├─► denied  │           └─► failed
        └─► expired ◄┘

``approved → expired`` is an approval its process died before running, found by the sweep
after a restart with a plan the cluster outdated (or older than the approval window): it never
runs, and a fresh plan asks for a fresh decision (:mod:`bot.action.sweep`).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.action.models import ActionState
from bot.errors import ActionTransitionError

__all__ = ["TRANSITIONS", "can_move", "is_final", "move"]

TRANSITIONS: Mapping[ActionState, frozenset[ActionState]] = {
    ActionState.PROPOSED: frozenset(
        {ActionState.APPROVED, ActionState.DENIED, ActionState.EXPIRED}
    ),
    ActionState.APPROVED: frozenset({ActionState.EXECUTING, ActionState.EXPIRED}),
    ActionState.EXECUTING: frozenset({ActionState.SUCCEEDED, ActionState.FAILED}),
    ActionState.SUCCEEDED: frozenset({ActionState.VERIFIED, ActionState.NOT_VERIFIED}),
}


def can_move(current: ActionState, new: ActionState) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def is_final(state: ActionState) -> bool:
    """Nothing follows: denied, expired, failed, verified, not verified."""
    return not TRANSITIONS.get(state)


def move(current: ActionState, new: ActionState) -> ActionState:
    """``new`` when the machine allows it; :class:`~bot.errors.ActionTransitionError` else."""
    if not can_move(current, new):
        raise ActionTransitionError(current.value, new.value)
    return new

"""What running a plan produced: the checkpoint taken before the write, the execution's outcome
and the verification that followed. Values only; the executors behind
:class:`~bot.action.ports.ClusterActions` and :class:`~bot.action.ports.VendorActions` make them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.action.models import ActionState
from bot.action.plan import ActionPlan, ActionTarget, ObservedState, PlanKind, Reversal

__all__ = [
    "Checkpoint",
    "CheckpointRecorder",
    "ExecutionOutcome",
    "ExecutionResult",
    "Verification",
    "VerificationOutcome",
]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The state just before the write, enough to put it back: the observed values, the
    resourceVersion the write was conditional on, the pod template as it was (JSON text, for a
    Deployment) and the reversal. For a vendor, ``resource_version`` is what the vendor says
    the object's version is (its ``updated_at``), or empty when there is none yet."""

    kind: PlanKind
    target: ActionTarget
    state: ObservedState
    resource_version: str
    taken_at: datetime
    template: str | None
    reversal: Reversal | None

    def as_dict(self) -> dict[str, Any]:
        """The checkpoint as JSON-ready data, to store with the action's audit row."""
        reversal = self.reversal
        return {
            "kind": self.kind.value,
            "target": str(self.target),
            "state": self.state.as_dict(),
            "resource_version": self.resource_version,
            "taken_at": self.taken_at.isoformat(),
            "template": json.loads(self.template) if self.template else None,
            "reversal": None
            if reversal is None
            else {
                "kind": reversal.kind.value,
                "target": str(reversal.target),
                "parameters": reversal.parameters.as_dict(),
            },
        }


CheckpointRecorder = Callable[[Checkpoint], Awaitable[None]]
"""Called with the checkpoint before the write is sent (to store it durably); if it raises, the
write is not sent."""


class ExecutionOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # the API server accepted the write
    FAILED = "failed"  # refused (409, 401, 5xx...), unreachable or no answer in time
    PLAN_CHANGED = "plan_changed"  # the cluster moved since the plan: nothing was written
    NOT_EXECUTABLE = "not_executable"  # the plan itself says it cannot run

    @property
    def state(self) -> ActionState:
        """The action's state after this outcome (executing -> succeeded | failed)."""
        return ActionState.SUCCEEDED if self is ExecutionOutcome.SUCCEEDED else ActionState.FAILED


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """``write_sent`` tells whether a write left the bot: after a timeout the write was sent and
    its effect is unknown, which ``reason`` says. ``fresh_plan`` is the plan as the cluster is
    now, when it differs from the approved one."""

    outcome: ExecutionOutcome
    plan_hash: str
    reason: str | None = None
    checkpoint: Checkpoint | None = None
    write_sent: bool = False
    fresh_plan: ActionPlan | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome is ExecutionOutcome.SUCCEEDED


class VerificationOutcome(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"

    @property
    def state(self) -> ActionState:
        return ActionState(self.value)


@dataclass(frozen=True, slots=True)
class Verification:
    """Whether the action took effect by the deadline; ``detail`` says what was last seen
    (``3/3 updated, 3 available, generation 5 observed``) or why it could not be read."""

    outcome: VerificationOutcome
    detail: str
    checks: int

    @property
    def verified(self) -> bool:
        return self.outcome is VerificationOutcome.VERIFIED

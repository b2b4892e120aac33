"""What the action flows need from a cluster, declared by the core; the Kubernetes adapter in
``integrations.kubernetes`` implements it."""

from __future__ import annotations

from typing import Protocol

from bot.action.execution import CheckpointRecorder, ExecutionResult, Verification
from bot.action.plan import ActionParameters, ActionPlan, ActionTarget, ClusterActionKind

__all__ = ["ClusterActions"]


class ClusterActions(Protocol):
    async def plan(
        self, kind: ClusterActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        """A dry run: read the current state, write nothing. Raises
        :class:`~bot.errors.ActionPlanError` when the target or the cluster cannot be read or
        the parameters do not fit the kind; a plan that reads fine but cannot run (no previous
        revision) comes back with ``refusal`` set."""
        ...

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        """Run an approved plan once. Re-read the state first; if the fresh plan's hash
        differs, write nothing (``plan_changed``). The write carries the resourceVersion just
        read, so a concurrent change fails it (409) — and a failed write is never retried.
        ``record_checkpoint`` gets the pre-write state before the write is sent. Never raises
        for cluster trouble: the result says what happened."""
        ...

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        """Watch the target until the action has taken effect (rollout finished, replacement
        pod Ready) or ``deadline`` seconds have passed."""
        ...

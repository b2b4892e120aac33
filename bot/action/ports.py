"""What the action flows need from a cluster and from the chat platform, declared by the core;
the Kubernetes adapter in ``integrations.kubernetes`` and the Slack adapter in
``integrations.slack`` implement them."""

from __future__ import annotations

from typing import Protocol

from bot.action.execution import CheckpointRecorder, ExecutionResult, Verification
from bot.action.plan import ActionParameters, ActionPlan, ActionTarget, ClusterActionKind
from bot.action.views import ActionView

__all__ = ["ActionChat", "ClusterActions"]


class ClusterActions(Protocol):
    async def locate(
        self, kind: ClusterActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        """The target called ``name`` (a Deployment, or a pod for ``delete_pod``) as the
        cluster has it now: in ``namespace`` when given, else in the one namespace that has it.
        Raises :class:`~bot.errors.ActionPlanError` when none or several do."""
        ...

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


class ActionChat(Protocol):
    async def post_action(self, channel_id: str, view: ActionView) -> str:
        """Post the action's message (with Approve and Deny buttons while a decision is due);
        return its ``ts``."""
        ...

    async def update_action(self, channel_id: str, ts: str, view: ActionView) -> None:
        """Show the action's new state in its message (buttons gone once decided)."""
        ...

    async def reply(self, channel_id: str, thread_ts: str, text: str) -> str:
        """A reply in the action message's thread (results, verification); return its ``ts``."""
        ...

    async def announce(self, channel_id: str, text: str) -> str:
        """A notice in the channel itself."""
        ...

    async def page(self, channel_id: str, group_handle: str | None, text: str) -> str:
        """Call the owner's user group (mentioned, so they are notified) into the channel."""
        ...

    async def groups_of(self, user: str) -> frozenset[str]:
        """The ids and handles (``@payments-oncall``) of the user groups ``user`` is in, as
        the policy names approvers."""
        ...

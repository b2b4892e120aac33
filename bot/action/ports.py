"""What the action flows need from a cluster, from vendors and from the chat platform, declared
by the core; the Kubernetes adapter in ``integrations.kubernetes``, the vendor adapters
(``integrations.statuspage``, ``integrations.github.issues``...) and the Slack adapter in
``integrations.slack`` implement them.

A vendor executor has the same four steps as the cluster's, with the same promises:

- ``plan`` is a dry run. It reads the vendor's current state (``ObservedState``: a component's
  status, an existing ticket for the incident) and returns the exact request the vendor will
  receive (:class:`~bot.action.plan.VendorRequest`: method, path, body, idempotency key); the
  plan hash covers the kind, target, parameters, observed state *and* that request.
- ``execute`` runs an approved plan once: it plans afresh and writes nothing when the hash
  moved (``plan_changed``); it hands the pre-write state to ``record_checkpoint`` before the
  write leaves (if that raises, nothing is sent: the kill switch's last word); it sends the
  idempotency key where the vendor's API takes one; it never retries a failed write.
- ``verify`` reads the vendor back until the request's effect is there, or the deadline.
- Reversal is data, not a fifth method: a plan carries the
  :class:`~bot.action.plan.Reversal` (a kind, target and parameters) that undoes it, which is
  planned afresh and goes through the same approval, guardrails and executor as any action.

Vendor executors are handed to the core in a :class:`~bot.action.executors.VendorExecutors`
registry keyed by kind; a kind with no executor there stays a suggestion.
"""

from __future__ import annotations

from typing import Protocol

from bot.action.execution import CheckpointRecorder, ExecutionResult, Verification
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterActionKind,
    VendorActionKind,
)
from bot.action.views import ActionView

__all__ = ["ActionChat", "ClusterActions", "VendorActions"]


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


class VendorActions(Protocol):
    """One vendor's executor (a status page, an issue tracker, a pager, a flag service) for
    the kinds in :attr:`kinds`. See the module's docstring for the promises each step keeps."""

    @property
    def kinds(self) -> frozenset[VendorActionKind]:
        """The kinds this executor carries out."""
        ...

    async def locate(
        self, kind: VendorActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        """The target for ``name`` (a component, a repository, a flag) in ``namespace`` (a
        page, an owner, a project), the configured one when None. Raises
        :class:`~bot.errors.ActionPlanError` when the vendor has no such thing."""
        ...

    async def plan(
        self, kind: VendorActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        """A dry run against the vendor: read, write nothing; ActionPlanError when the vendor
        cannot be read or the parameters do not fit; ``refusal`` when it cannot run as asked
        (nothing to resolve, the ticket already exists)."""
        ...

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        """Run an approved plan once (re-plan, checkpoint, one write, never retried); never
        raises for vendor trouble: the result says what happened and whether a write left."""
        ...

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        """Read the vendor back until the plan's desired state is there or ``deadline``
        seconds have passed."""
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

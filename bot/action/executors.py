"""Which executor carries out which kind: the cluster's for the cluster kinds, and a registry of
vendor executors keyed by kind, handed in by the composition root from whatever the settings
configure. A kind with no executor stays a suggestion, and every plan, proposal and packet that
reaches it says so plainly (:func:`bot.action.wording.not_carried_out`); ``failover`` has no
executor at all.

:class:`Executors` gives the flows one place to plan, run and verify any kind, so approval,
autonomy, the kill switch, dry-run mode, exactly-once, the sweep and the audit are the same
code for a status-page update as for a rollback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.action import wording
from bot.action.execution import (
    CheckpointRecorder,
    ExecutionOutcome,
    ExecutionResult,
    Verification,
    VerificationOutcome,
)
from bot.action.kinds import ActionKind
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterActionKind,
    PlanKind,
    VendorActionKind,
)
from bot.action.ports import ClusterActions, VendorActions
from bot.errors import ActionPlanError

__all__ = ["CLUSTER_KINDS", "Executors", "NoCluster", "VendorExecutors", "executor_note"]

CLUSTER_KINDS = frozenset(kind.action_kind for kind in ClusterActionKind)
"""The packet's kinds the cluster executors carry out."""


class NoCluster:
    """The cluster port where no cluster is configured but vendor executors are (tickets, a
    status page, paging, flags without Kubernetes): every cluster kind is refused at planning,
    saying why, and nothing is ever sent."""

    reason = (
        "No Kubernetes cluster is configured (KUBE_API_URL or KUBE_CONFIG_PATH), so this "
        "action cannot be planned or run; the packet's suggestion stands."
    )

    async def locate(
        self, kind: ClusterActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        raise ActionPlanError(self.reason)

    async def plan(
        self, kind: ClusterActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        raise ActionPlanError(self.reason)

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        raise ActionPlanError(self.reason)  # never reached: no cluster plan exists

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        raise ActionPlanError(self.reason)  # never reached: no cluster plan exists


@dataclass(frozen=True, slots=True)
class VendorExecutors:
    """Vendor executors by the kind each carries out (at most one per kind)."""

    by_kind: Mapping[VendorActionKind, VendorActions] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def of(cls, *executors: VendorActions) -> VendorExecutors:
        """The registry of ``executors``; ValueError when two claim the same kind."""
        by_kind: dict[VendorActionKind, VendorActions] = {}
        for executor in executors:
            for kind in executor.kinds:
                if kind in by_kind:
                    raise ValueError(f"two executors are configured for {kind.value}")
                by_kind[kind] = executor
        return cls(MappingProxyType(by_kind))

    def plus(self, *executors: VendorActions) -> VendorExecutors:
        """This registry with ``executors`` added (each integration's builder hands its own);
        ValueError when one claims a kind already taken."""
        by_kind = dict(self.by_kind)
        for kind, executor in VendorExecutors.of(*executors).by_kind.items():
            if kind in by_kind:
                raise ValueError(f"two executors are configured for {kind.value}")
            by_kind[kind] = executor
        return VendorExecutors(MappingProxyType(by_kind))

    def get(self, kind: VendorActionKind) -> VendorActions | None:
        return self.by_kind.get(kind)

    @property
    def kinds(self) -> frozenset[ActionKind]:
        """The packet's kinds some vendor executor carries out."""
        return frozenset(kind.action_kind for kind in self.by_kind)


def executor_note(kind: ActionKind, vendors: VendorExecutors) -> str | None:
    """What the packet or a plan says of ``kind`` when nothing can carry it out (None when
    something can)."""
    if kind in CLUSTER_KINDS or kind in vendors.kinds:
        return None
    return wording.not_carried_out(kind.value, kind.label)


def _missing(kind: VendorActionKind) -> str:
    return wording.not_carried_out(kind.value, kind.action_kind.label)


@dataclass(frozen=True, slots=True)
class Executors:
    """One face over the cluster's executor and the vendors': the flows ask it, whatever the
    kind."""

    cluster: ClusterActions
    vendors: VendorExecutors

    def _vendor(self, kind: VendorActionKind) -> VendorActions:
        executor = self.vendors.get(kind)
        if executor is None:
            raise ActionPlanError(_missing(kind))
        return executor

    async def locate(self, kind: PlanKind, name: str, namespace: str | None) -> ActionTarget:
        if isinstance(kind, ClusterActionKind):
            return await self.cluster.locate(kind, name, namespace)
        return await self._vendor(kind).locate(kind, name, namespace)

    async def plan(
        self, kind: PlanKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        if isinstance(kind, ClusterActionKind):
            return await self.cluster.plan(kind, target, parameters)
        return await self._vendor(kind).plan(kind, target, parameters)

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        kind = plan.kind
        if isinstance(kind, ClusterActionKind):
            return await self.cluster.execute(plan, record_checkpoint=record_checkpoint)
        executor = self.vendors.get(kind)
        if executor is None:  # configured when approved, gone from the settings since
            return ExecutionResult(ExecutionOutcome.FAILED, plan.plan_hash, _missing(kind))
        return await executor.execute(plan, record_checkpoint=record_checkpoint)

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        kind = plan.kind
        if isinstance(kind, ClusterActionKind):
            return await self.cluster.verify(plan, deadline=deadline)
        executor = self.vendors.get(kind)
        if executor is None:
            return Verification(VerificationOutcome.NOT_VERIFIED, _missing(kind), 0)
        return await executor.verify(plan, deadline=deadline)

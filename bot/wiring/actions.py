"""The actions builder: the executors that carry out approved actions, and the context the
action flows run with.

Executors are a registry: each entry of :data:`EXECUTORS` names the :class:`ActionContext`
field it fills and a builder that returns the executor from settings, or None when it is not
configured. Adding an executor is adding its builder (in a module of its own) and one line
here. A builder that starts a local stand-in (the Kubernetes emulator in sandbox mode) pushes
its stop onto ``setup.resources`` and records it in ``setup.stand_ins``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.action.executors import NoCluster, VendorExecutors
from bot.action.ports import ActionChat, ClusterActions
from bot.action.recovery import RecoveryCheck
from bot.catalog import Catalog
from bot.clock import Clock
from bot.evidence.gather import EvidenceSources
from bot.pager.paging import OwnerPaging
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary
from bot.scenario.schemas import Cluster, Scenario
from bot.settings import Settings
from bot.wiring.evidence import kube_connection
from integrations.kube_emulator import KubeEmulator, KubeEmulatorConfig
from integrations.kubernetes import KubeConnection, KubernetesActions
from integrations.paging_and_flags import PagingAndFlags
from integrations.vendor_actions import vendor_executors_from_environment

__all__ = [
    "EXECUTORS",
    "ExecutorBuilder",
    "ExecutorSetup",
    "build_actions",
    "cluster_executor",
    "namespace_of",
    "owner_paging",
    "sandbox_cluster",
    "vendor_executors",
]


@dataclass(slots=True)
class ExecutorSetup:
    """What an executor builder is handed."""

    settings: Settings
    clock: Clock
    scenarios: Callable[[], Sequence[Scenario]]  # the replay scenarios (loaded when asked)
    resources: AsyncExitStack  # push what must be stopped when the bot stops
    cluster_seed: Cluster | None = None  # the sandbox cluster; default: the scenarios'
    vendors: VendorExecutors | None = None  # the vendor executors; default: the environment's
    # PagerDuty and the flag service (bot.wiring.paging): more vendor executors, the owner paging.
    paging: PagingAndFlags | None = None
    # The local stand-ins started for sandbox mode, by name ("kubernetes"), for tests to reach.
    stand_ins: dict[str, object] = field(default_factory=dict)


# Returns the executor (any type: the ActionContext field it fills says which), or None.
ExecutorBuilder = Callable[[ExecutorSetup], Awaitable[Any]]


async def cluster_executor(setup: ExecutorSetup) -> ClusterActions | None:
    """The cluster the settings name; in sandbox mode without one, the local Kubernetes
    emulator seeded with ``setup.cluster_seed``; else None (no actions)."""
    settings, deadline = setup.settings, setup.settings.evidence_deadline_seconds
    if settings.kubernetes:
        return KubernetesActions(kube_connection(settings), clock=setup.clock, deadline=deadline)
    if not settings.sandbox:
        return None
    seed = setup.cluster_seed or sandbox_cluster(setup.scenarios())
    emulator = KubeEmulator(KubeEmulatorConfig(clock=setup.clock), seed)
    await emulator.start()
    setup.resources.push_async_callback(emulator.stop)
    setup.stand_ins["kubernetes"] = emulator
    connection = KubeConnection(api_url=emulator.base_url, token=emulator.config.token)
    return KubernetesActions(connection, clock=setup.clock, deadline=deadline)


async def vendor_executors(setup: ExecutorSetup) -> VendorExecutors:
    """The vendor executors (status page, tickets...) ``setup`` was handed, else those the
    environment configures (none: every vendor kind stays a suggestion)."""
    found = setup.vendors
    if found is None:
        found = vendor_executors_from_environment(setup.clock)
    return found if setup.paging is None else found.plus(*setup.paging.executors)


async def owner_paging(setup: ExecutorSetup) -> OwnerPaging | None:
    """PagerDuty's Events API v2 for paging a failed action's owner, when configured."""
    return setup.paging.paging if setup.paging is not None else None


EXECUTORS: Mapping[str, ExecutorBuilder] = {
    "cluster": cluster_executor,
    "vendors": vendor_executors,
    "paging": owner_paging,
}


def namespace_of(catalog: Catalog) -> Callable[[str], str | None]:
    """Where the catalog says a service runs."""

    def namespace(service: str) -> str | None:
        entry = catalog.get(service)
        return entry.namespace if entry is not None else None

    return namespace


async def build_actions(
    setup: ExecutorSetup,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: ActionChat,
    policy: Policy,
    sources: EvidenceSources,
    catalog: Catalog,
    runbooks: RunbookLibrary,
    executors: Mapping[str, ExecutorBuilder] = EXECUTORS,
) -> ActionContext | None:
    """The action flows' context with every configured executor; None when nothing can be
    carried out (then ``/rollback`` and the buttons say no cluster is configured). Vendor
    executors without a cluster still run (tickets, a status page, paging, flags): the cluster
    kinds are then refused at planning (:class:`~bot.action.executors.NoCluster`)."""
    built: dict[str, Any] = {}
    for name, build in executors.items():
        executor = await build(setup)
        if executor is not None:
            built[name] = executor
    if "cluster" not in built:
        vendors = built.get("vendors")
        if not (isinstance(vendors, VendorExecutors) and vendors.by_kind) and "paging" not in built:
            return None
        built["cluster"] = NoCluster()
    recovery_window = setup.settings.recovery_window_seconds
    return ActionContext(
        sessions=sessions,
        chat=chat,
        policy=policy,
        clock=setup.clock,
        sources=sources,
        recovery=RecoveryCheck(
            sessions=sessions,
            sources=sources,
            clock=setup.clock,
            window=recovery_window,
            poll_interval=min(5.0, max(0.2, recovery_window / 10)),
        ),
        verify_deadline=setup.settings.action_verify_seconds,
        owner_group=lambda service: entry.slack_group if (entry := catalog.get(service)) else None,
        runbooks=runbooks,
        namespace_of=namespace_of(catalog),
        **built,
    )


class _Named(Protocol):
    @property
    def namespace(self) -> str: ...

    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def _first_of_each(objects: Iterable[N]) -> tuple[N, ...]:
    """Each (namespace, name) once, as the first scenario describing it has it."""
    first: dict[tuple[str, str], N] = {}
    for found in objects:
        first.setdefault((found.namespace, found.name), found)
    return tuple(first.values())


def sandbox_cluster(scenarios: Sequence[Scenario]) -> Cluster:
    """The scenarios' ``cluster`` sections as one seed for the sandbox's Kubernetes emulator;
    an object two scenarios both describe is taken from the first."""
    sections = [scenario.cluster for scenario in scenarios]
    return Cluster(
        deployments=_first_of_each(d for c in sections for d in c.deployments),
        pods=_first_of_each(p for c in sections for p in c.pods),
        events=tuple(e for c in sections for e in c.events),
        config_maps=_first_of_each(m for c in sections for m in c.config_maps),
        cron_jobs=_first_of_each(j for c in sections for j in c.cron_jobs),
    )

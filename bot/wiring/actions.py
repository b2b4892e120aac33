"""The actions builder: the executors that carry out approved actions, and the context the
action flows run with.

Executors are a registry: each entry of :data:`EXECUTORS` names the :class:`ActionContext`
field it fills and a builder that returns the executor from settings, or None when it is not
configured. Adding an executor is adding its builder (in a module of its own) and one line
here. A builder that starts a local stand-in (the Kubernetes emulator in sandbox mode) pushes
its stop onto ``setup.resources`` and records it in ``setup.stand_ins``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.action.ports import ActionChat, ClusterActions
from bot.action.recovery import RecoveryCheck
from bot.catalog import Catalog
from bot.clock import Clock
from bot.evidence.gather import EvidenceSources
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary
from bot.scenario.models import (
    Cluster,
    ClusterConfigMap,
    ClusterCronJob,
    ClusterDeployment,
    ClusterEvent,
    ClusterPod,
    Scenario,
)
from bot.settings import Settings
from bot.wiring.evidence import kube_connection
from integrations.kube_emulator import KubeEmulator, KubeEmulatorConfig
from integrations.kubernetes import KubeConnection, KubernetesActions

__all__ = [
    "EXECUTORS",
    "ExecutorBuilder",
    "ExecutorSetup",
    "build_actions",
    "cluster_executor",
    "namespace_of",
    "sandbox_cluster",
]


@dataclass(slots=True)
class ExecutorSetup:
    """What an executor builder is handed."""

    settings: Settings
    clock: Clock
    scenarios: Callable[[], Sequence[Scenario]]  # the replay scenarios (loaded when asked)
    resources: AsyncExitStack  # push what must be stopped when the bot stops
    cluster_seed: Cluster | None = None  # the sandbox cluster; default: the scenarios'
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


EXECUTORS: Mapping[str, ExecutorBuilder] = {
    "cluster": cluster_executor,
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
    """The action flows' context with every configured executor; None without a cluster
    (then ``/rollback`` and the buttons say no cluster is configured)."""
    built: dict[str, Any] = {}
    for name, build in executors.items():
        executor = await build(setup)
        if executor is not None:
            built[name] = executor
    if "cluster" not in built:
        return None
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


def sandbox_cluster(scenarios: Sequence[Scenario]) -> Cluster:
    """The scenarios' ``cluster`` sections as one seed for the sandbox's Kubernetes emulator;
    an object two scenarios both describe is taken from the first."""
    seen: set[tuple[str, str, str]] = set()
    deployments: list[ClusterDeployment] = []
    pods: list[ClusterPod] = []
    events: list[ClusterEvent] = []
    config_maps: list[ClusterConfigMap] = []
    cron_jobs: list[ClusterCronJob] = []
    for scenario in scenarios:
        for deployment in scenario.cluster.deployments:
            if ("deployment", deployment.namespace, deployment.name) not in seen:
                seen.add(("deployment", deployment.namespace, deployment.name))
                deployments.append(deployment)
        for pod in scenario.cluster.pods:
            if ("pod", pod.namespace, pod.name) not in seen:
                seen.add(("pod", pod.namespace, pod.name))
                pods.append(pod)
        events.extend(scenario.cluster.events)
        for config_map in scenario.cluster.config_maps:
            if ("configmap", config_map.namespace, config_map.name) not in seen:
                seen.add(("configmap", config_map.namespace, config_map.name))
                config_maps.append(config_map)
        for cron_job in scenario.cluster.cron_jobs:
            if ("cronjob", cron_job.namespace, cron_job.name) not in seen:
                seen.add(("cronjob", cron_job.namespace, cron_job.name))
                cron_jobs.append(cron_job)
    return Cluster(
        deployments=tuple(deployments),
        pods=tuple(pods),
        events=tuple(events),
        config_maps=tuple(config_maps),
        cron_jobs=tuple(cron_jobs),
    )

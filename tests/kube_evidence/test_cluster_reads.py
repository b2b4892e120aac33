"""What the Kubernetes source reads about a service: its Deployment and revisions, its pods,
and the events about them in the window."""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes import client

from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import WorkloadRevision
from integrations.kube_emulator import KubeEmulator
from integrations.kubernetes import KubernetesEvidence
from tests.kube_emulator.conftest import NOW, api_client
from tests.kube_evidence.conftest import SERVICE, query

OOM_POD = "billing-webhooks-7d9f8-oom01"


async def test_a_workload_shows_its_revision_and_the_one_a_rollback_would_return_to(
    evidence: KubernetesEvidence,
) -> None:
    state = await evidence.cluster(query())
    [found] = state.workloads
    assert (found.namespace, found.name, found.revision) == ("payments", SERVICE, 42)
    assert (found.image, found.replicas, found.ready) == ("acme/billing:9f1c2ab", 3, 2)
    assert [(r.revision, r.image, r.replicas) for r in found.revisions] == [
        (42, "acme/billing:9f1c2ab", 3),
        (41, "acme/billing:51d0e7c", 0),
    ]


async def test_a_rollout_adds_a_revision_at_the_top(
    kube: KubeEmulator, evidence: KubernetesEvidence
) -> None:
    with api_client(kube) as api:
        client.AppsV1Api(api).patch_namespaced_deployment(
            SERVICE,
            "payments",
            {"spec": {"template": {"spec": {"containers": [{"name": SERVICE, "image": "b:new"}]}}}},
        )
    [found] = (await evidence.cluster(query())).workloads
    assert found.revision == 43
    assert found.revisions[0] == WorkloadRevision(43, "b:new", 3, found.revisions[0].created_at)
    assert [r.revision for r in found.revisions] == [43, 42, 41]


async def test_pods_show_restarts_and_why_their_container_last_ended(
    evidence: KubernetesEvidence,
) -> None:
    pods = {pod.name: pod for pod in (await evidence.cluster(query())).pods}
    assert len(pods) == 3
    oom = pods[OOM_POD]
    assert (oom.workload, oom.phase, oom.ready) == (SERVICE, "Running", False)
    assert (oom.restarts, oom.last_termination_reason) == (5, "OOMKilled")
    assert oom.last_terminated_at is not None
    healthy = [pod for name, pod in pods.items() if name != OOM_POD]
    assert [(p.restarts, p.last_termination_reason) for p in healthy] == [(0, None), (0, None)]
    assert sum(p.ready for p in pods.values()) == 2


async def test_events_about_the_workload_and_its_pods_in_the_window_are_read(
    evidence: KubernetesEvidence,
) -> None:
    events = (await evidence.cluster(query())).events
    assert [(e.at, e.object, e.type, e.reason) for e in events] == [
        (
            datetime(2026, 3, 4, 13, 52, tzinfo=UTC),
            f"deployment/{SERVICE}",
            "Normal",
            "ScalingReplicaSet",
        ),
        (datetime(2026, 3, 4, 14, 2, tzinfo=UTC), f"pod/{OOM_POD}", "Warning", "BackOff"),
    ]
    assert events[1].message == "Back-off restarting failed container billing-webhooks"


async def test_events_before_the_window_are_left_out(evidence: KubernetesEvidence) -> None:
    since_two = EvidenceQuery(
        SERVICE, since=datetime(2026, 3, 4, 14, 0, tzinfo=UTC), until=NOW, namespace="payments"
    )
    assert [e.reason for e in (await evidence.cluster(since_two)).events] == ["BackOff"]


async def test_without_a_namespace_every_namespace_is_searched(
    evidence: KubernetesEvidence,
) -> None:
    [found] = (await evidence.cluster(query("indexer", namespace=None))).workloads
    assert (found.namespace, found.name, found.revision) == ("search", "indexer", 3)


async def test_a_service_the_cluster_does_not_run_there_is_an_empty_answer(
    evidence: KubernetesEvidence,
) -> None:
    elsewhere = await evidence.cluster(query(SERVICE, namespace="search"))
    unknown = await evidence.cluster(query("no-such-service"))
    assert elsewhere.workloads == elsewhere.pods == elsewhere.events == ()
    assert unknown.workloads == ()


async def test_another_workloads_pods_and_events_are_not_mixed_in(
    evidence: KubernetesEvidence,
) -> None:
    state = await evidence.cluster(query("ledger"))
    assert [w.name for w in state.workloads] == ["ledger"]
    assert {p.workload for p in state.pods} == {"ledger"}
    assert len(state.pods) == 2
    assert state.events == ()

"""A Kubernetes API server that refuses, throttles, breaks or hangs: the source answers with a
reason the packet can show, makes one attempt only, and never outlives its deadline."""

from __future__ import annotations

import socket

import pytest

from bot.errors import SourceUnavailableError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.values import SourceFailure
from integrations.kube_emulator import ControlClient, KubeEmulator
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from tests.kube_evidence.conftest import SERVICE, query, source

PODS = "/api/v1/namespaces/payments/pods"
REPLICA_SETS = "/apis/apps/v1/namespaces/payments/replicasets"


async def unavailable(evidence: KubernetesEvidence) -> str:
    with pytest.raises(SourceUnavailableError) as caught:
        await evidence.cluster(query())
    assert caught.value.source == "Kubernetes"
    return caught.value.reason


async def test_a_wrong_token_is_reported_as_unauthorized(kube: KubeEmulator) -> None:
    reason = await unavailable(source(kube, token="wrong-token"))
    assert reason == "401 Unauthorized: the API server refused the token"


async def test_throttling_is_reported_once_without_a_retry(
    evidence: KubernetesEvidence, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": PODS, "fault": "429"})
    assert await unavailable(evidence) == "429 Too Many Requests (retry after 1s)"
    assert control.stats()["fault_hits"] == {f"GET {PODS}": 1}


async def test_a_server_error_is_reported_with_its_status(
    evidence: KubernetesEvidence, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": REPLICA_SETS, "fault": "500"})
    assert await unavailable(evidence) == "API server error 500 Internal Server Error"


async def test_a_hung_request_ends_at_the_sources_deadline(
    kube: KubeEmulator, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": PODS, "fault": "hang"})
    assert await unavailable(source(kube, deadline=0.3)) == "no answer within 0.3s"


async def test_an_api_server_that_is_not_there_is_reported_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    evidence = KubernetesEvidence(
        KubeConnection(api_url=f"http://127.0.0.1:{port}", token="t"), deadline=5
    )
    assert (await unavailable(evidence)).startswith("cannot reach the API server")


async def test_a_hung_cluster_never_holds_up_the_evidence_gathering(
    kube: KubeEmulator, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": PODS, "fault": "hang"})
    bundle = await gather_evidence(
        query(), EvidenceSources(cluster=[source(kube, deadline=0.5)]), deadline=0.2
    )
    assert bundle.unavailable == (SourceFailure("Kubernetes", "no answer within 0.2s"),)
    assert bundle.cluster.workloads == ()


async def test_gathered_evidence_carries_the_cluster_state(kube: KubeEmulator) -> None:
    bundle = await gather_evidence(query(), EvidenceSources(cluster=[source(kube)]), deadline=5)
    assert bundle.unavailable == ()
    assert [w.name for w in bundle.cluster.workloads] == [SERVICE]
    assert len(bundle.cluster.pods) == 3

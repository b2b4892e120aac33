"""The replay source answers the cluster question from a scenario's ``cluster`` section, as the
Kubernetes source would from a live cluster."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.evidence.ports import EvidenceQuery
from bot.scenario.loader import load_scenario
from integrations.replay import ReplayEvidence

SCENARIO = """\
id: shop-oom
title: shop pods are OOM killed
now: "2026-03-04T14:10:00Z"
alert: {source: generic, payload: {service: shop, title: shop is down}}
cluster:
  deployments:
    - {namespace: web, name: shop, revision: 5, replicas: 2, ready: 1, image: "shop:5",
       previous_image: "shop:4"}
    - {namespace: web, name: cart, revision: 2, replicas: 1, ready: 1, image: "cart:2"}
  pods:
    - {namespace: web, name: shop-a, deployment: shop, phase: Running, ready: false,
       restarts: 7, last_termination_reason: OOMKilled}
    - {namespace: web, name: cart-a, deployment: cart, phase: Running, restarts: 0}
  events:
    - {at: "2026-03-04T14:05:00Z", namespace: web, object: shop-a, type: Warning,
       reason: BackOff, message: back-off}
    - {at: "2026-03-04T14:06:00Z", namespace: web, object: shop, type: Normal,
       reason: ScalingReplicaSet, message: scaled}
    - {at: "2026-03-04T11:00:00Z", namespace: web, object: deployment/shop, type: Normal,
       reason: ScalingReplicaSet, message: long ago}
    - {at: "2026-03-04T14:05:00Z", namespace: web, object: cart-a, type: Warning,
       reason: BackOff, message: not shop}
expect: {service: shop}
"""
WINDOW = (datetime(2026, 3, 4, 13, 0, tzinfo=UTC), datetime(2026, 3, 4, 14, 10, tzinfo=UTC))


def replay(tmp_path: Path) -> ReplayEvidence:
    path = tmp_path / "shop-oom.yaml"
    path.write_text(SCENARIO)
    return ReplayEvidence([load_scenario(path)])


async def test_the_scenarios_deployment_pods_and_events_answer_for_the_service(
    tmp_path: Path,
) -> None:
    state = await replay(tmp_path).cluster(EvidenceQuery("shop", *WINDOW, namespace="web"))
    [shop] = state.workloads
    assert (shop.revision, shop.image, shop.ready) == (5, "shop:5", 1)
    assert [(r.revision, r.image) for r in shop.revisions] == [(5, "shop:5"), (4, "shop:4")]
    [pod] = state.pods
    assert (pod.name, pod.restarts, pod.last_termination_reason) == ("shop-a", 7, "OOMKilled")
    assert [(e.object, e.reason) for e in state.events] == [
        ("pod/shop-a", "BackOff"),
        ("deployment/shop", "ScalingReplicaSet"),
    ]


async def test_another_namespace_or_service_gets_nothing_of_it(tmp_path: Path) -> None:
    source = replay(tmp_path)
    elsewhere = await source.cluster(EvidenceQuery("shop", *WINDOW, namespace="payments"))
    unknown = await source.cluster(EvidenceQuery("search", *WINDOW))
    assert elsewhere.workloads == unknown.workloads == ()

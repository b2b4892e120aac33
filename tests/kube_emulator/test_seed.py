"""Seeding from a scenario's ``cluster`` section or a YAML file, and running standalone."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client

from bot.errors import ConfigFileError
from bot.scenario.schemas import Cluster, ClusterDeployment
from integrations.kube_emulator import (
    EmulatorThread,
    KubeEmulator,
    KubeEmulatorConfig,
    SeedError,
    load_cluster_file,
)
from integrations.kube_emulator.__main__ import main
from tests.conftest import PROJECT_ROOT
from tests.kube_emulator.conftest import TOKEN, api_client

DEMO = PROJECT_ROOT / "scenarios" / "billing-parser-deploy.yaml"


def test_a_scenario_seeds_its_cluster_section() -> None:
    seed = load_cluster_file(DEMO)
    emulator = KubeEmulator(KubeEmulatorConfig(token=TOKEN), seed)
    with EmulatorThread(emulator) as kube, api_client(kube) as api:
        deployment = client.AppsV1Api(api).read_namespaced_deployment(
            "billing-webhooks", "payments"
        )
    assert deployment.metadata.annotations["deployment.kubernetes.io/revision"] == "42"
    assert deployment.status.ready_replicas == 6


def test_a_cluster_file_seeds_deployments_pods_and_events(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(
        "deployments:\n"
        "  - {namespace: web, name: shop, revision: 2, replicas: 2, ready: 1, image: 'shop:2'}\n"
        "pods:\n"
        "  - {namespace: web, name: shop-a, deployment: shop, phase: Running, ready: false,\n"
        "     restarts: 3, last_termination_reason: Error}\n"
        "events:\n"
        "  - {at: '2026-03-04T14:00:00Z', namespace: web, object: shop-a, type: Warning,\n"
        "     reason: BackOff, message: back-off}\n"
    )
    seed = load_cluster_file(path)
    assert [d.name for d in seed.deployments] == ["shop"]
    assert (len(seed.pods), len(seed.events)) == (1, 1)


def test_a_bad_cluster_file_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(
        "deployments:\n"
        "  - {namespace: web, name: shop, revision: 2, replicas: 2, ready: 1, image: 'shop:2'}\n"
        "  - {namespace: web, name: cart, revison: 2, replicas: 2, ready: 1, image: 'cart:2'}\n"
    )
    with pytest.raises(ConfigFileError) as caught:
        load_cluster_file(path)
    assert (caught.value.path, caught.value.line) == (path, 3)
    assert caught.value.key is not None
    assert caught.value.key.startswith("deployments.1.")


def test_a_previous_image_needs_a_revision_before_the_current_one() -> None:
    seed = Cluster(
        deployments=(
            ClusterDeployment(
                namespace="web",
                name="shop",
                revision=1,
                replicas=1,
                ready=1,
                image="shop:2",
                previous_image="shop:1",
            ),
        )
    )
    with pytest.raises(SeedError, match="web/shop"):
        KubeEmulator(seed=seed)


def test_the_standalone_emulator_refuses_a_bad_seed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text("deployments: [{name: shop}]\n")
    assert main(["--port", "0", "--seed", str(path)]) == 2
    assert str(path) in capsys.readouterr().err

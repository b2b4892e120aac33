"""The Kubernetes emulator under the real ``kubernetes`` client: one emulator per test, served
from its own thread (the client is synchronous), seeded with a small payments namespace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from kubernetes import client

from bot.clock import FixedClock
from bot.scenario.schemas import Cluster, ClusterDeployment, ClusterEvent, ClusterPod
from integrations.kube_emulator import (
    ControlClient,
    EmulatorThread,
    KubeEmulator,
    KubeEmulatorConfig,
)

NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
TOKEN = "test-kube-token"


def payments() -> Cluster:
    return Cluster(
        deployments=(
            ClusterDeployment(
                namespace="payments",
                name="billing-webhooks",
                revision=42,
                replicas=3,
                ready=2,
                image="acme/billing:9f1c2ab",
                previous_image="acme/billing:51d0e7c",
            ),
            ClusterDeployment(
                namespace="payments",
                name="ledger",
                revision=7,
                replicas=2,
                ready=2,
                image="acme/ledger:1.4.0",
            ),
            ClusterDeployment(
                namespace="search", name="indexer", revision=3, replicas=1, ready=1, image="x:1"
            ),
        ),
        pods=(
            ClusterPod(
                namespace="payments",
                name="billing-webhooks-7d9f8-oom01",
                deployment="billing-webhooks",
                phase="Running",
                ready=False,
                restarts=5,
                last_termination_reason="OOMKilled",
            ),
            ClusterPod(namespace="payments", name="migrate-once", phase="Succeeded", restarts=0),
        ),
        events=(
            ClusterEvent(
                at=datetime(2026, 3, 4, 14, 2, tzinfo=UTC),
                namespace="payments",
                object="billing-webhooks-7d9f8-oom01",
                type="Warning",
                reason="BackOff",
                message="Back-off restarting failed container billing-webhooks",
            ),
            ClusterEvent(
                at=datetime(2026, 3, 4, 13, 52, tzinfo=UTC),
                namespace="payments",
                object="deployment/billing-webhooks",
                type="Normal",
                reason="ScalingReplicaSet",
                message="Scaled up replica set billing-webhooks-7d9f8 to 3",
            ),
        ),
    )


@pytest.fixture
def emulator_config() -> KubeEmulatorConfig:
    return KubeEmulatorConfig(token=TOKEN, clock=FixedClock(NOW))


@pytest.fixture
def kube(emulator_config: KubeEmulatorConfig) -> Iterator[KubeEmulator]:
    with EmulatorThread(KubeEmulator(emulator_config, payments())) as running:
        yield running


def api_client(kube: KubeEmulator, token: str | None = TOKEN) -> client.ApiClient:
    configuration = client.Configuration(host=kube.base_url)
    if kube.ca_file is not None:
        configuration.ssl_ca_cert = str(kube.ca_file)
    # urllib3 would retry a hung read, and a 429 after its Retry-After: every answer is seen.
    configuration.retries = False
    if token is not None:
        configuration.api_key = {"authorization": token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
    return client.ApiClient(configuration)


@pytest.fixture
def api(kube: KubeEmulator) -> Iterator[client.ApiClient]:
    with api_client(kube) as opened:
        yield opened


@pytest.fixture
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def control(kube: KubeEmulator) -> ControlClient:
    return kube.control_client()

"""The cluster executors against the Kubernetes emulator, seeded with the payments namespace the
emulator's own tests use; every plan, write and check goes through the real client, over TLS,
as the bot's ServiceAccount held by RBAC to the Roles in deploy/kubernetes/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from bot.action.plan import ActionParameters, ActionTarget, ClusterActionKind
from bot.clock import FixedClock
from integrations.kube_emulator import ControlClient, EmulatorThread, KubeEmulator
from integrations.kubernetes import KubeConnection, KubernetesActions
from tests.kube_emulator.bot_access import BOT_TOKEN, bot_config
from tests.kube_emulator.conftest import NOW, TOKEN, api_client, payments

BILLING = ActionTarget("payments", "billing-webhooks")
LEDGER = ActionTarget("payments", "ledger")
OOM_POD = ActionTarget("payments", "billing-webhooks-7d9f8-oom01")
ROLLBACK, RESTART = ClusterActionKind.ROLLBACK, ClusterActionKind.RESTART
SCALE, DELETE_POD = ClusterActionKind.SCALE, ClusterActionKind.DELETE_POD
NONE = ActionParameters()


def executors(
    kube: KubeEmulator, *, token: str = BOT_TOKEN, deadline: float = 5.0
) -> KubernetesActions:
    return KubernetesActions(
        KubeConnection(api_url=kube.base_url, token=token, ca_file=kube.ca_file),
        clock=FixedClock(NOW),
        deadline=deadline,
        poll_interval=0.01,
    )


def client_writes(control: ControlClient) -> list[dict[str, Any]]:
    """The writes a client (not the emulated controllers) made since the seed."""
    return [change for change in control.changes() if change["actor"] == "client"]


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEmulator]:
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / "tls")
    with EmulatorThread(KubeEmulator(config, payments())) as running:
        yield running


@pytest.fixture
def actions(kube: KubeEmulator) -> KubernetesActions:
    return executors(kube)


@pytest.fixture
def control(kube: KubeEmulator) -> ControlClient:
    return kube.control_client()


@pytest.fixture
def apps(kube: KubeEmulator) -> Iterator[client.AppsV1Api]:
    """Another client on the same cluster: a colleague, a CI pipeline, an autoscaler."""
    with api_client(kube) as api:
        yield client.AppsV1Api(api)


@pytest.fixture
def core(kube: KubeEmulator) -> Iterator[client.CoreV1Api]:
    with api_client(kube) as api:
        yield client.CoreV1Api(api)

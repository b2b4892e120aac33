"""The Kubernetes evidence source against the Kubernetes emulator, seeded with the payments
namespace the emulator's own tests use; the source reads it through the real client, over TLS,
as the bot's ServiceAccount held by RBAC to the Roles in deploy/kubernetes/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.evidence.ports import EvidenceQuery
from integrations.kube_emulator import ControlClient, EmulatorThread, KubeEmulator
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from tests.kube_emulator.bot_access import BOT_TOKEN, bot_config
from tests.kube_emulator.conftest import NOW, TOKEN, payments

SERVICE = "billing-webhooks"


def query(service: str = SERVICE, namespace: str | None = "payments") -> EvidenceQuery:
    return EvidenceQuery(service, since=NOW - timedelta(hours=1), until=NOW, namespace=namespace)


def source(
    kube: KubeEmulator, *, token: str = BOT_TOKEN, deadline: float = 5.0
) -> KubernetesEvidence:
    connection = KubeConnection(api_url=kube.base_url, token=token, ca_file=kube.ca_file)
    return KubernetesEvidence(connection, deadline=deadline)


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEmulator]:
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / "tls")
    with EmulatorThread(KubeEmulator(config, payments())) as running:
        yield running


@pytest.fixture
def evidence(kube: KubeEmulator) -> KubernetesEvidence:
    return source(kube)


@pytest.fixture
def control(kube: KubeEmulator) -> ControlClient:
    return kube.control_client()

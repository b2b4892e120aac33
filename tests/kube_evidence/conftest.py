"""The Kubernetes evidence source against the Kubernetes emulator, seeded with the payments
namespace the emulator's own tests use; the source reads it through the real client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.evidence.ports import EvidenceQuery
from integrations.kube_emulator import (
    ControlClient,
    EmulatorThread,
    KubeEmulator,
    KubeEmulatorConfig,
)
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from tests.kube_emulator.conftest import NOW, TOKEN, payments

SERVICE = "billing-webhooks"


def query(service: str = SERVICE, namespace: str | None = "payments") -> EvidenceQuery:
    return EvidenceQuery(service, since=NOW - timedelta(hours=1), until=NOW, namespace=namespace)


def source(kube: KubeEmulator, *, token: str = TOKEN, deadline: float = 5.0) -> KubernetesEvidence:
    return KubernetesEvidence(KubeConnection(api_url=kube.base_url, token=token), deadline=deadline)


@pytest.fixture
def kube() -> Iterator[KubeEmulator]:
    config = KubeEmulatorConfig(token=TOKEN, clock=FixedClock(NOW))
    with EmulatorThread(KubeEmulator(config, payments())) as running:
        yield running


@pytest.fixture
def evidence(kube: KubeEmulator) -> KubernetesEvidence:
    return source(kube)


@pytest.fixture
def control(kube: KubeEmulator) -> ControlClient:
    return ControlClient(kube.base_url)

"""Turning Kubernetes evidence on: settings that name one complete way to reach the API server
(an address and token, or a kubeconfig), checked at start; without them, replay alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from bot.wiring.evidence import kubernetes_evidence
from integrations.kube_emulator import KubeEmulator
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from tests.kube_emulator.bot_access import BOT_TOKEN
from tests.kube_evidence.conftest import SERVICE, query

KUBE_VARIABLES = (
    "KUBE_API_URL",
    "KUBE_TOKEN",
    "KUBE_CA_FILE",
    "KUBE_CONFIG_PATH",
    "KUBE_CONTEXT",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in KUBE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def kubeconfig(path: Path, server: str, token: str) -> Path:
    path.write_text(
        "apiVersion: v1\n"
        "kind: Config\n"
        "current-context: emulator\n"
        f"clusters: [{{name: local, cluster: {{server: '{server}'}}}}]\n"
        f"users: [{{name: bot, user: {{token: '{token}'}}}}]\n"
        "contexts: [{name: emulator, context: {cluster: local, user: bot}}]\n"
    )
    return path


def test_without_kubernetes_settings_there_is_no_kubernetes_source() -> None:
    assert kubernetes_evidence(load_settings()) is None


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"KUBE_API_URL": "https://k8s.internal:6443"}, "KUBE_TOKEN"),
        ({"KUBE_TOKEN": "t"}, "KUBE_API_URL"),
        ({"KUBE_API_URL": "https://k", "KUBE_TOKEN": "t", "KUBE_CONFIG_PATH": "k"}, "not both"),
        ({"KUBE_CONTEXT": "prod"}, "KUBE_CONTEXT"),
        ({"KUBE_CA_FILE": "ca.pem", "KUBE_CONFIG_PATH": "k"}, "KUBE_CA_FILE"),
        ({"KUBE_API_URL": "k8s.internal", "KUBE_TOKEN": "t"}, "KUBE_API_URL"),
    ],
)
def test_incomplete_kubernetes_settings_stop_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_the_token_never_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_API_URL", "https://k8s.internal:6443")
    monkeypatch.setenv("KUBE_TOKEN", "very-secret-kube-token")
    assert "very-secret-kube-token" not in repr(load_settings())


async def test_an_api_url_and_token_make_a_source_that_reads_the_cluster(
    monkeypatch: pytest.MonkeyPatch, kube: KubeEmulator
) -> None:
    monkeypatch.setenv("KUBE_API_URL", kube.base_url)
    monkeypatch.setenv("KUBE_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("KUBE_CA_FILE", str(kube.ca_file))
    evidence = kubernetes_evidence(load_settings())
    assert evidence is not None
    assert [w.name for w in (await evidence.cluster(query())).workloads] == [SERVICE]


async def test_a_kubeconfig_makes_a_source_that_reads_the_cluster(
    monkeypatch: pytest.MonkeyPatch, kube: KubeEmulator, tmp_path: Path
) -> None:
    path = kube.write_kubeconfig(tmp_path / "kubeconfig", token=BOT_TOKEN)
    monkeypatch.setenv("KUBE_CONFIG_PATH", str(path))
    monkeypatch.setenv("KUBE_CONTEXT", "kube-emulator")
    evidence = kubernetes_evidence(load_settings())
    assert evidence is not None
    assert [w.revision for w in (await evidence.cluster(query())).workloads] == [42]


def test_a_missing_kubeconfig_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match=str(missing)):
        KubernetesEvidence(KubeConnection(kubeconfig=missing), deadline=3)


def test_an_unknown_context_stops_the_start_naming_it(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:6443", "t")
    with pytest.raises(ConfigError, match="staging"):
        KubernetesEvidence(KubeConnection(kubeconfig=path, context="staging"), deadline=3)

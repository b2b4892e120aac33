"""Bearer-token authentication, injected faults, and the control API that sets them."""

from __future__ import annotations

import pytest
import urllib3
from kubernetes import client

from integrations.kube_emulator import ControlClient, ControlError, KubeEmulator
from tests.kube_emulator.conftest import api_client
from tests.kube_emulator.support import refusal

NS = "payments"
PODS = f"/api/v1/namespaces/{NS}/pods"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_request_without_the_right_token_is_a_401_status(
    kube: KubeEmulator, token: str | None
) -> None:
    with api_client(kube, token) as unauthenticated:
        status, body = refusal(lambda: client.CoreV1Api(unauthenticated).list_namespaced_pod(NS))
    assert (status, body["reason"], body["message"]) == (401, "Unauthorized", "Unauthorized")


def test_the_version_needs_no_token(kube: KubeEmulator) -> None:
    with api_client(kube, None) as anonymous:
        version = client.VersionApi(anonymous).get_code()
    assert (version.major, version.minor) == ("1", "31")


def test_an_injected_500_is_an_internal_error_status(
    core: client.CoreV1Api, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": PODS, "fault": "500"})
    status, body = refusal(lambda: core.list_namespaced_pod(NS))
    assert (status, body["reason"]) == (500, "InternalError")
    assert control.stats()["fault_hits"] == {f"GET {PODS}": 1}


def test_an_injected_429_says_when_to_retry(core: client.CoreV1Api, control: ControlClient) -> None:
    control.set_faults({"method": "*", "path": "/api/v1/*", "fault": "429", "times": 1})
    with pytest.raises(client.ApiException) as caught:
        core.list_namespaced_pod(NS)
    assert caught.value.status == 429
    assert caught.value.headers["Retry-After"] == "1"
    assert len(core.list_namespaced_pod(NS).items) == 6  # the fault caught one request only


def test_a_fault_on_one_path_leaves_the_others_alone(
    core: client.CoreV1Api, apps: client.AppsV1Api, control: ControlClient
) -> None:
    control.set_faults({"method": "PATCH", "path": "/apis/apps/v1/*", "fault": "500"})
    assert core.list_namespaced_pod(NS).items
    assert apps.read_namespaced_deployment("ledger", NS).metadata.name == "ledger"


def test_a_hung_request_gets_no_answer_until_the_faults_change(
    core: client.CoreV1Api, control: ControlClient
) -> None:
    control.set_faults({"method": "GET", "path": PODS, "fault": "hang"})
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        core.list_namespaced_pod(NS, _request_timeout=(5, 0.2))
    control.set_faults()
    assert core.list_namespaced_pod(NS).items


def test_a_bad_fault_rule_is_refused_naming_the_problem(control: ControlClient) -> None:
    with pytest.raises(ControlError) as caught:
        control.set_faults({"method": "GET", "path": PODS, "fault": "503"})
    assert caught.value.code == "invalid_faults"
    assert "fault must be one of" in str(caught.value)


def test_stats_count_calls_per_verb_and_resource(
    core: client.CoreV1Api, apps: client.AppsV1Api, control: ControlClient
) -> None:
    core.list_namespaced_pod(NS)
    core.list_namespaced_pod(NS)
    apps.read_namespaced_deployment("ledger", NS)
    calls = control.stats()["calls"]
    assert (calls["list pods"], calls["get deployments"]) == (2, 1)


def test_the_change_log_starts_empty_and_can_be_read_from_a_version(
    apps: client.AppsV1Api, control: ControlClient
) -> None:
    assert control.changes() == []
    apps.patch_namespaced_deployment("ledger", NS, {"metadata": {"labels": {"a": "1"}}})
    first = control.changes()
    apps.patch_namespaced_deployment("ledger", NS, {"metadata": {"labels": {"a": "2"}}})
    later = control.changes(since=first[-1]["resource_version"])
    assert [(c["name"], c["verb"]) for c in later] == [("ledger", "patch")]

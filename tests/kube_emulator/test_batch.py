"""batch/v1 CronJobs and Jobs and core/v1 ConfigMaps in the emulator, judged by the real
``kubectl`` (reads, patches) and the official client (the Job ``kubectl create job
--from=cronjob/X`` builds: owned by its CronJob, annotated ``instantiate: manual``). A run fails
while its ConfigMap names the value the seed says fails and completes once it names another; the
seed's failed run is there.

``kubectl create job`` itself posts the Job as protobuf, which the emulator does not decode (it
reads protobuf only for the access reviews); the bot's client posts JSON."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from bot.clock import FixedClock
from bot.scenario.schemas import Cluster, ClusterConfigMap, ClusterCronJob
from integrations.kube_emulator import EmulatorThread, KubeEmulator, KubeEmulatorConfig
from tests.kube_emulator.conftest import NOW, TOKEN, api_client
from tests.kube_emulator.kubectl import Kubectl

NS = "data"
CRON = "revenue-etl"


def etl() -> Cluster:
    return Cluster(
        config_maps=(
            ClusterConfigMap(
                namespace=NS, name="revenue-etl-config", data={"SOURCE_DB_HOST": "db-replica-2"}
            ),
        ),
        cron_jobs=(
            ClusterCronJob(
                namespace=NS,
                name=CRON,
                schedule="30 1 * * *",
                image="acme/revenue-etl:77ab310",
                config_map="revenue-etl-config",
                fails_when={"SOURCE_DB_HOST": "db-replica-2"},
                last_run="failed",
                last_run_at=datetime(2026, 3, 4, 13, 30, tzinfo=UTC),
            ),
        ),
    )


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEmulator]:
    config = KubeEmulatorConfig(token=TOKEN, clock=FixedClock(NOW), tls_dir=tmp_path / "tls")
    with EmulatorThread(KubeEmulator(config, etl())) as running:
        yield running


@pytest.fixture
def kubectl(kube: KubeEmulator, tmp_path: Path) -> Kubectl:
    return Kubectl(kube.write_kubeconfig(tmp_path / "admin.kubeconfig", namespace=NS), tmp_path)


@pytest.fixture
def batch(kube: KubeEmulator) -> Iterator[client.BatchV1Api]:
    with api_client(kube) as api:
        yield client.BatchV1Api(api)


def create_from_cron_job(batch: client.BatchV1Api, name: str) -> None:
    """What ``kubectl create job NAME --from=cronjob/revenue-etl`` sends."""
    cron = batch.read_namespaced_cron_job(CRON, NS)
    template = cron.spec.job_template
    job = client.V1Job(
        api_version="batch/v1",
        kind="Job",
        metadata=client.V1ObjectMeta(
            name=name,
            annotations={"cronjob.kubernetes.io/instantiate": "manual"},
            labels=template.metadata.labels if template.metadata else None,
            owner_references=[
                client.V1OwnerReference(
                    api_version="batch/v1",
                    kind="CronJob",
                    name=CRON,
                    uid=cron.metadata.uid,
                    controller=True,
                )
            ],
        ),
        spec=template.spec,
    )
    batch.create_namespaced_job(NS, job)


def _finished(batch: client.BatchV1Api, name: str) -> str:
    """Read the Job until it reports Complete or Failed (each read moves it on)."""
    for _ in range(5):
        job = batch.read_namespaced_job(name, NS)
        for condition in job.status.conditions or []:
            if condition.status == "True" and condition.type in ("Complete", "Failed"):
                return str(condition.type)
    raise AssertionError(f"job {name} did not finish")


def test_the_seeded_run_failed_and_kubectl_lists_it(kubectl: Kubectl) -> None:
    jobs = kubectl.ok("get", "jobs")
    assert jobs.splitlines()[0].split()[:4] == ["NAME", "STATUS", "COMPLETIONS", "DURATION"]
    assert "Failed" in jobs
    assert "0/1" in jobs
    cron_jobs = kubectl.ok("get", "cronjobs")
    assert CRON in cron_jobs
    assert "30 1 * * *" in cron_jobs
    assert "SOURCE_DB_HOST" in kubectl.ok("get", "configmap", "revenue-etl-config", "-o", "yaml")


def test_a_job_created_from_the_cronjob_is_owned_by_it_and_kubectl_shows_it(
    kubectl: Kubectl, batch: client.BatchV1Api
) -> None:
    create_from_cron_job(batch, "rerun-1")
    assert "rerun-1" in kubectl.ok("get", "jobs")
    job = batch.read_namespaced_job("rerun-1", NS)
    assert job.metadata.annotations["cronjob.kubernetes.io/instantiate"] == "manual"
    [owner] = job.metadata.owner_references
    cron = batch.read_namespaced_cron_job(CRON, NS)
    assert (owner.kind, owner.name, owner.uid) == ("CronJob", CRON, cron.metadata.uid)
    assert _finished(batch, "rerun-1") == "Failed"  # its ConfigMap still names the lagging one


def test_a_run_completes_once_its_configmap_names_a_healthy_source(
    kubectl: Kubectl, batch: client.BatchV1Api, kube: KubeEmulator
) -> None:
    kubectl.ok(
        "patch",
        "configmap",
        "revenue-etl-config",
        "-p",
        '{"data":{"SOURCE_DB_HOST":"db-replica-1"}}',
    )
    create_from_cron_job(batch, "rerun-2")
    assert _finished(batch, "rerun-2") == "Complete"
    with api_client(kube) as api:
        pods = client.CoreV1Api(api).list_namespaced_pod(NS, label_selector="job-name=rerun-2")
    assert [pod.status.phase for pod in pods.items] == ["Succeeded"]
    assert "Complete" in kubectl.ok("get", "job", "rerun-2")


def test_a_second_job_of_the_same_name_is_refused_as_already_existing(
    batch: client.BatchV1Api,
) -> None:
    create_from_cron_job(batch, "rerun-3")
    with pytest.raises(ApiException) as caught:
        create_from_cron_job(batch, "rerun-3")
    assert caught.value.status == 409
    assert "already exists" in str(caught.value.body)

"""The job re-run and config change executors against the Kubernetes emulator, through the real
client, over TLS, as the bot's ServiceAccount held to deploy/kubernetes/: each plans without a
write, runs once (a double run creates one Job), verifies by the Job's completion or the value
read back, and the config change's reversal puts the old value back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from bot.action.execution import ExecutionOutcome, VerificationOutcome
from bot.action.plan import ActionParameters, ActionTarget, ClusterActionKind
from bot.clock import FixedClock
from bot.errors import ActionPlanError
from integrations.kube_emulator import ControlClient, EmulatorThread, KubeEmulator
from integrations.kubernetes import KubernetesActions
from tests.kube_actions.batch_seed import (
    EXPORT,
    EXPORT_CONFIG,
    HEALTHY,
    LAGGING,
    SWITCH,
    with_export,
)
from tests.kube_actions.conftest import client_writes
from tests.kube_emulator.bot_access import bot_config
from tests.kube_emulator.conftest import NOW, TOKEN, api_client

RERUN, CONFIG = ClusterActionKind.RERUN_JOB, ClusterActionKind.CONFIG_CHANGE
NONE = ActionParameters()


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEmulator]:
    """The cluster with the batch seed; conftest's ``actions`` and ``control`` use it."""
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / "tls")
    with EmulatorThread(KubeEmulator(config, with_export())) as running:
        yield running


@pytest.fixture
def batch(kube: KubeEmulator) -> Iterator[client.BatchV1Api]:
    with api_client(kube) as api:
        yield client.BatchV1Api(api)


async def test_a_rerun_plan_reads_the_failed_run_and_writes_nothing(
    actions: KubernetesActions, control: ControlClient
) -> None:
    target = await actions.locate(RERUN, EXPORT.name, None)
    assert target == EXPORT
    plan = await actions.plan(RERUN, EXPORT, NONE)
    assert plan.executable
    assert plan.current.job_state == "Failed"
    assert plan.desired.job is not None
    assert plan.desired.job.startswith("ledger-export-rerun-")
    assert plan.request is not None
    assert plan.request.method == "POST"
    body = plan.request.json()
    assert body["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert body["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert plan.reversal is None
    assert client_writes(control) == []


async def test_a_rerun_on_the_lagging_replica_fails_and_is_not_verified(
    actions: KubernetesActions, batch: client.BatchV1Api
) -> None:
    plan = await actions.plan(RERUN, EXPORT, NONE)
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.SUCCEEDED
    verification = await actions.verify(plan, deadline=5)
    assert verification.outcome is VerificationOutcome.NOT_VERIFIED
    assert "BackoffLimitExceeded" in verification.detail
    job = batch.read_namespaced_job(plan.desired.job or "", "payments")
    [owner] = job.metadata.owner_references
    assert (owner.kind, owner.name) == ("CronJob", EXPORT.name)


async def test_after_the_switch_a_rerun_completes_and_is_verified(
    actions: KubernetesActions, control: ControlClient
) -> None:
    switch = await actions.plan(CONFIG, EXPORT_CONFIG, SWITCH)
    assert (switch.current.value, switch.desired.value) == (LAGGING, HEALTHY)
    assert (await actions.execute(switch)).succeeded
    assert (await actions.verify(switch, deadline=5)).verified
    rerun = await actions.plan(RERUN, EXPORT, NONE)
    assert (await actions.execute(rerun)).succeeded
    verification = await actions.verify(rerun, deadline=5)
    assert verification.verified, verification.detail
    assert "completed" in verification.detail
    writes = [(w["verb"], w["resource"]) for w in client_writes(control)]
    assert writes == [("patch", "configmaps"), ("create", "jobs")]


async def test_the_same_rerun_executed_twice_creates_one_job(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(RERUN, EXPORT, NONE)
    first = await actions.execute(plan)
    second = await actions.execute(plan)
    assert first.succeeded
    assert second.outcome is ExecutionOutcome.PLAN_CHANGED  # the re-run is now the latest run
    assert [w["resource"] for w in client_writes(control)] == ["jobs"]


async def test_a_rerun_is_refused_while_a_run_is_active(actions: KubernetesActions) -> None:
    plan = await actions.plan(RERUN, EXPORT, NONE)
    assert (await actions.execute(plan)).succeeded
    again = await actions.plan(RERUN, EXPORT, NONE)  # the new Job is read active once
    assert again.refusal is not None
    assert "still active" in again.refusal


async def test_a_config_change_runs_once_conditional_on_the_version_read(
    actions: KubernetesActions, kube: KubeEmulator, control: ControlClient
) -> None:
    plan = await actions.plan(CONFIG, EXPORT_CONFIG, SWITCH)
    with api_client(kube) as api:
        client.CoreV1Api(api).patch_namespaced_config_map(
            EXPORT_CONFIG.name, "payments", {"data": {"BATCH_SIZE": "100"}}
        )
    result = await actions.execute(plan)  # another key moved: the plan (its key) still holds
    assert result.succeeded
    assert result.checkpoint is not None
    assert result.checkpoint.state.value == LAGGING
    with api_client(kube) as api:
        data = client.CoreV1Api(api).read_namespaced_config_map(EXPORT_CONFIG.name, "payments").data
    assert data == {"SOURCE_DB_HOST": HEALTHY, "BATCH_SIZE": "100"}


async def test_a_config_change_planned_before_the_key_moved_is_not_run(
    actions: KubernetesActions, kube: KubeEmulator, control: ControlClient
) -> None:
    plan = await actions.plan(CONFIG, EXPORT_CONFIG, SWITCH)
    with api_client(kube) as api:
        client.CoreV1Api(api).patch_namespaced_config_map(
            EXPORT_CONFIG.name, "payments", {"data": {"SOURCE_DB_HOST": "db-replica-3"}}
        )
    before = len(client_writes(control))
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.PLAN_CHANGED
    assert len(client_writes(control)) == before


async def test_the_reversal_of_a_config_change_restores_the_old_value(
    actions: KubernetesActions, kube: KubeEmulator
) -> None:
    plan = await actions.plan(CONFIG, EXPORT_CONFIG, SWITCH)
    assert (await actions.execute(plan)).succeeded
    assert plan.reversal is not None
    back = await actions.plan(plan.reversal.kind, plan.reversal.target, plan.reversal.parameters)
    assert (back.current.value, back.desired.value) == (HEALTHY, LAGGING)
    assert (await actions.execute(back)).succeeded
    assert (await actions.verify(back, deadline=5)).verified
    with api_client(kube) as api:
        data = client.CoreV1Api(api).read_namespaced_config_map(EXPORT_CONFIG.name, "payments").data
    assert data["SOURCE_DB_HOST"] == LAGGING


async def test_a_config_change_to_a_missing_key_or_the_same_value_is_refused(
    actions: KubernetesActions,
) -> None:
    missing = await actions.plan(CONFIG, EXPORT_CONFIG, ActionParameters(key="NOPE", value="x"))
    assert missing.refusal == "configmap payments/ledger-export-config has no key NOPE"
    same = await actions.plan(
        CONFIG, EXPORT_CONFIG, ActionParameters(key="SOURCE_DB_HOST", value=LAGGING)
    )
    assert same.refusal is not None
    assert "already has" in same.refusal
    with pytest.raises(ActionPlanError):
        await actions.plan(CONFIG, EXPORT_CONFIG, ActionParameters(key="SOURCE_DB_HOST"))


SET_ENV = ClusterActionKind.SET_ENV
LEDGER = ActionTarget("payments", "ledger")


def _ledger_env(kube: KubeEmulator, value: str) -> None:
    """A colleague sets LOG_LEVEL on the ledger (the seed's Deployments carry no environment)."""
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "ledger", "env": [{"name": "LOG_LEVEL", "value": value}]}
                    ]
                }
            }
        }
    }
    with api_client(kube) as api:
        client.AppsV1Api(api).patch_namespaced_deployment("ledger", "payments", patch)


async def test_an_env_change_rolls_the_deployment_and_its_reversal_restores_the_value(
    actions: KubernetesActions, kube: KubeEmulator, control: ControlClient
) -> None:
    _ledger_env(kube, "info")
    before = len(client_writes(control))
    plan = await actions.plan(SET_ENV, LEDGER, ActionParameters(key="LOG_LEVEL", value="debug"))
    assert plan.executable
    assert (plan.current.value, plan.desired.value) == ("info", "debug")
    assert (await actions.execute(plan)).succeeded
    verification = await actions.verify(plan, deadline=5)
    assert verification.verified, verification.detail
    assert [w["resource"] for w in client_writes(control)[before:]] == ["deployments"]
    assert plan.reversal is not None
    back = await actions.plan(plan.reversal.kind, plan.reversal.target, plan.reversal.parameters)
    assert (await actions.execute(back)).succeeded
    assert (await actions.verify(back, deadline=5)).verified
    with api_client(kube) as api:
        ledger = client.AppsV1Api(api).read_namespaced_deployment("ledger", "payments")
    env = {e.name: e.value for e in ledger.spec.template.spec.containers[0].env}
    assert env == {"LOG_LEVEL": "info"}


async def test_an_env_variable_the_container_does_not_set_is_refused(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(SET_ENV, LEDGER, ActionParameters(key="LOG_LEVEL", value="debug"))
    assert plan.refusal is not None
    assert "sets no plain value for LOG_LEVEL" in plan.refusal

"""Least privilege, proven: every request the executors and the evidence readers make, recorded by
the RBAC-enforcing emulator, is exactly what deploy/kubernetes/ grants the bot. A new call the
Role lacks fails here (and as a 403 everywhere else); a grant nothing uses fails here too.

Two clusters: one with only the per-namespace Roles (every service's namespace known, as the
README asks), where every code path must pass and use every grant of the Role; and one with the
optional find ClusterRole, where the paths without a namespace must use exactly its grants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.action.execution import ExecutionOutcome, VerificationOutcome
from bot.action.plan import ActionParameters, ClusterActionKind
from bot.clock import FixedClock
from bot.errors import ActionPlanError
from bot.evidence.ports import EvidenceQuery
from integrations.kube_emulator import EmulatorThread, KubeEmulator
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from tests.kube_actions.batch_seed import EXPORT, EXPORT_CONFIG, SWITCH, with_export
from tests.kube_actions.conftest import (
    BILLING,
    DELETE_POD,
    LEDGER,
    NONE,
    OOM_POD,
    RESTART,
    ROLLBACK,
    SCALE,
    executors,
)
from tests.kube_emulator.bot_access import (
    BOT_TOKEN,
    FIND_ROLE,
    TARGET_ROLE,
    bot_account,
    bot_config,
    documents,
)
from tests.kube_emulator.conftest import NOW, TOKEN, payments

Grant = tuple[str, str, str]  # verb, API group, resource (with its subresource)
BOT_USER = "system:serviceaccount:{}:{}".format(*bot_account())


def granted(path: Path, kind: str) -> set[Grant]:
    """Every (verb, group, resource) the ``kind`` documents in ``path`` grant, spelled out."""
    grants: set[Grant] = set()
    for doc in documents(path):
        if doc["kind"] != kind:
            continue
        for rule in doc["rules"]:
            assert "*" not in (*rule["verbs"], *rule["resources"], *rule["apiGroups"])
            assert not rule.get("resourceNames")
            grants.update(
                (verb, group, resource)
                for verb in rule["verbs"]
                for group in rule["apiGroups"]
                for resource in rule["resources"]
            )
    return grants


@contextmanager
def cluster(tmp_path: Path, *, find: bool) -> Iterator[KubeEmulator]:
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / f"tls-{find}", find=find)
    with EmulatorThread(KubeEmulator(config, with_export(payments()))) as running:
        yield running


def used(kube: KubeEmulator) -> dict[str, set[Grant]]:
    """The bot's allowed requests, by scope: "namespace" or "cluster"."""
    found: dict[str, set[Grant]] = {"namespace": set(), "cluster": set()}
    records: list[dict[str, Any]] = kube.control_client().access()
    for record in records:
        if record["user"] == BOT_USER:
            scope = "namespace" if record["namespace"] else "cluster"
            found[scope].add((record["verb"], record["group"], record["resource"]))
    return found


def evidence(kube: KubeEmulator) -> KubernetesEvidence:
    connection = KubeConnection(api_url=kube.base_url, token=BOT_TOKEN, ca_file=kube.ca_file)
    return KubernetesEvidence(connection, deadline=30)  # a bound only; a busy machine is slow


def query(service: str, namespace: str | None) -> EvidenceQuery:
    return EvidenceQuery(service, since=NOW - timedelta(hours=1), until=NOW, namespace=namespace)


async def test_the_role_grants_exactly_what_the_code_uses_in_a_namespace(tmp_path: Path) -> None:
    with cluster(tmp_path, find=False) as kube:
        state = await evidence(kube).cluster(query("billing-webhooks", "payments"))
        assert [w.name for w in state.workloads] == ["billing-webhooks"]
        assert state.events
        actions = executors(kube, deadline=30)
        for kind, target in (
            (ROLLBACK, BILLING),
            (RESTART, LEDGER),
            (SCALE, LEDGER),
            (DELETE_POD, OOM_POD),
            (ClusterActionKind.RERUN_JOB, EXPORT),
            (ClusterActionKind.CONFIG_CHANGE, EXPORT_CONFIG),
        ):
            assert await actions.locate(kind, target.name, target.namespace) == target
        for kind, target, parameters in (
            (DELETE_POD, OOM_POD, NONE),
            (ROLLBACK, BILLING, NONE),
            (RESTART, LEDGER, NONE),
            (SCALE, LEDGER, ActionParameters(replicas=3)),
            (ClusterActionKind.CONFIG_CHANGE, EXPORT_CONFIG, SWITCH),
            (ClusterActionKind.RERUN_JOB, EXPORT, NONE),
        ):
            plan = await actions.plan(kind, target, parameters)
            result = await actions.execute(plan)
            assert result.outcome is ExecutionOutcome.SUCCEEDED, (kind, result.detail)
            verification = await actions.verify(plan, deadline=30)
            assert verification.outcome is VerificationOutcome.VERIFIED, (kind, verification)
        scopes = used(kube)
    assert scopes["cluster"] == set()
    assert scopes["namespace"] == granted(TARGET_ROLE, "Role")


async def test_the_find_cluster_role_grants_exactly_the_lookups_without_a_namespace(
    tmp_path: Path,
) -> None:
    with cluster(tmp_path, find=True) as kube:
        [workload] = (await evidence(kube).cluster(query("indexer", None))).workloads
        assert workload.namespace == "search"
        actions = executors(kube, deadline=30)
        batch = {
            ClusterActionKind.RERUN_JOB: EXPORT,
            ClusterActionKind.CONFIG_CHANGE: EXPORT_CONFIG,
        }
        for kind in ClusterActionKind:
            target = batch.get(kind) or (OOM_POD if kind is DELETE_POD else LEDGER)
            assert await actions.locate(kind, target.name, None) == target
        scopes = used(kube)
    assert scopes["cluster"] == granted(FIND_ROLE, "ClusterRole")
    assert scopes["namespace"] <= granted(TARGET_ROLE, "Role")


async def test_without_the_find_cluster_role_a_lookup_without_a_namespace_is_refused(
    tmp_path: Path,
) -> None:
    with cluster(tmp_path, find=False) as kube:
        actions = executors(kube, deadline=30)
        with pytest.raises(ActionPlanError) as refused:
            await actions.locate(RESTART, "ledger", None)
    assert str(refused.value) == (
        "cannot look for deployment ledger: 403 Forbidden: the bot's account may not do this"
    )

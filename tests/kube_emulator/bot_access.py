"""The bot's own access, from the project's manifests: the ServiceAccount in
``deploy/kubernetes/serviceaccount.yaml``, the Role and RoleBinding of
``rbac-target-namespace.yaml`` made for each namespace the tests' cluster has (as an operator
copies that file per target namespace), and the optional ClusterRole for finding a service's
namespace. An emulator configured with :func:`bot_config` holds the bot's token to exactly
those rules, over TLS."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from bot.clock import FixedClock
from integrations.kube_emulator import KubeEmulatorConfig
from integrations.kube_emulator.rbac import Rbac, service_account

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
TARGET_ROLE = DEPLOY / "rbac-target-namespace.yaml"
FIND_ROLE = DEPLOY / "clusterrole-find.yaml"
BOT_TOKEN = "incident-bot-service-account-token"
NAMESPACES = ("payments", "search")  # the namespaces of tests.kube_emulator.conftest.payments()


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)]


def bot_account() -> tuple[str, str]:
    """The bot's ServiceAccount as (namespace, name), from the manifests."""
    [account] = [
        doc for doc in documents(DEPLOY / "serviceaccount.yaml") if doc["kind"] == "ServiceAccount"
    ]
    return account["metadata"]["namespace"], account["metadata"]["name"]


def target_documents(namespace: str) -> list[dict[str, Any]]:
    """The Role and RoleBinding file, made for ``namespace``."""
    made = []
    for doc in documents(TARGET_ROLE):
        doc = copy.deepcopy(doc)
        doc["metadata"]["namespace"] = namespace
        made.append(doc)
    return made


def bot_rbac(namespaces: tuple[str, ...] = NAMESPACES, *, find: bool = True) -> Rbac:
    docs = [doc for namespace in namespaces for doc in target_documents(namespace)]
    if find:
        docs.extend(documents(FIND_ROLE))
    return Rbac.from_documents(docs)


def bot_config(
    token: str, clock: FixedClock, tls_dir: Path, *, find: bool = True
) -> KubeEmulatorConfig:
    """An emulator with ``token`` as its administrator and :data:`BOT_TOKEN` as the bot's
    ServiceAccount, held to the manifests' Roles."""
    return KubeEmulatorConfig(
        token=token,
        clock=clock,
        tls_dir=tls_dir,
        users={BOT_TOKEN: service_account(*bot_account())},
        rbac=bot_rbac(find=find),
    )

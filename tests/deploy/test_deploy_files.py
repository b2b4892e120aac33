"""The deploy files: every manifest in deploy/kubernetes/ validates against the Kubernetes API's
schemas (``kubernetes-validate``, strict: an unknown or misplaced field fails), and says what the
production setup asks for: probes on /readyz and /healthz, resources, a non-root read-only
container that cannot escalate, every secret the bot reads from a Secret, a Service for the
webhooks, the bot's ServiceAccount bound to its Role. Docker is not run here (no daemon in the
test environment): the Dockerfile is checked as text for what can be checked without building."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from pydantic import SecretStr

from bot.catalog import load_catalog
from bot.settings import Settings
from integrations.paging_and_flags import PagingSettings
from tests.kube_emulator.bot_access import DEPLOY, bot_account, documents

ROOT = DEPLOY.parents[1]
MANIFESTS = sorted(DEPLOY.glob("*.yaml"))
K8S_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())


def kind(name: str) -> dict[str, Any]:
    [found] = [doc for path in MANIFESTS for doc in documents(path) if doc["kind"] == name]
    return found


def container(name: str = "incident-bot") -> dict[str, Any]:
    [found] = [c for c in kind("Deployment")["spec"]["template"]["spec"]["containers"]]
    assert found["name"] == name
    return found


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_every_manifest_validates_strictly(path: Path, version: str) -> None:
    docs = documents(path)
    assert docs, f"{path.name} holds no object"
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_deployment_probes_readiness_and_liveness_on_the_webhook_port() -> None:
    bot = container()
    [port] = bot["ports"]
    assert bot["command"] == ["incident-bot", "serve"]
    assert bot["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    assert bot["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    env = {item["name"]: item.get("value") for item in bot["env"]}
    assert env["PORT"] == str(port["containerPort"])


def test_the_containers_run_non_root_read_only_without_privilege_escalation() -> None:
    pod = kind("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    for each in pod["containers"] + pod.get("initContainers", []):
        context = each["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, each["name"]
        assert context["allowPrivilegeEscalation"] is False, each["name"]
        assert context["capabilities"]["drop"] == ["ALL"], each["name"]
        assert each["resources"]["requests"]["memory"], each["name"]
        assert each["resources"]["limits"]["memory"], each["name"]
    writable = {mount["mountPath"] for mount in container()["volumeMounts"]}
    assert "/tmp" in writable  # the only writable place (matplotlib's cache)


def test_every_secret_the_bot_reads_comes_from_a_secret() -> None:
    secrets = {
        name.upper()
        for model in (Settings, PagingSettings)
        for name, field in model.model_fields.items()
        if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
    }
    secrets.add("DATABASE_URL")  # holds the database password
    assert {"SLACK_BOT_TOKEN", "KUBE_TOKEN", "ANTHROPIC_API_KEY"} <= secrets
    for each in (container(), *kind("Deployment")["spec"]["template"]["spec"]["initContainers"]):
        for item in each["env"]:
            if item["name"] in secrets:
                assert "value" not in item, item["name"]
                assert item["valueFrom"]["secretKeyRef"]["name"], item["name"]
    named = {item["name"] for item in container()["env"]}
    assert secrets <= named, f"not passed to the bot: {sorted(secrets - named)}"


def test_the_service_sends_the_webhooks_to_the_bots_pods() -> None:
    service, deployment = kind("Service"), kind("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    [port] = service["spec"]["ports"]
    assert port["targetPort"] == container()["ports"][0]["name"]


def test_the_bot_runs_as_its_service_account_bound_to_its_role() -> None:
    namespace, name = bot_account()
    pod = kind("Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == name
    assert pod["automountServiceAccountToken"] is False  # the token comes from KUBE_TOKEN
    binding, role = kind("RoleBinding"), kind("Role")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["metadata"]["namespace"] == role["metadata"]["namespace"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
    token = kind("Secret")
    assert token["type"] == "kubernetes.io/service-account-token"
    assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == name


def test_the_shipped_catalog_loads(tmp_path: Path) -> None:
    catalog_file = tmp_path / "catalog.yaml"
    catalog_file.write_text(kind("ConfigMap")["data"]["catalog.yaml"])
    entry = load_catalog(catalog_file).get("billing-webhooks")
    assert entry is not None
    assert entry.namespace == "payments"


# -- the Dockerfile ----------------------------------------------------------------------------


def stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_the_image_is_multi_stage_slim_non_root_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    build, runtime = stages(text)
    assert "AS build" in build.splitlines()[0]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+-slim", text, flags=re.MULTILINE)
    assert "build-essential" in build
    assert "apt-get" not in runtime  # no compiler in the final image
    assert "build-essential" not in runtime
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    [user] = re.findall(r"^USER (\S+)", runtime, flags=re.MULTILINE)
    assert user.split(":")[0] not in ("0", "root")
    assert runtime.rstrip().splitlines()[-1] == 'CMD ["incident-bot", "serve"]'
    assert re.search(r"HEALTHCHECK .*\n.*/healthz", runtime)


def test_the_image_holds_what_the_bot_reads_at_run_time() -> None:
    text = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) \./", text, flags=re.MULTILINE))
    for needed in ("bot", "handlers", "integrations", "migrations", "runbooks", "scenarios"):
        assert needed in copied
        assert (ROOT / needed).is_dir()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", ".env"} <= set(ignored)
    assert not {"bot", "runbooks", "scenarios", "migrations"} & set(ignored)

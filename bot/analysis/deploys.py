"""Deploy correlation: which deploy landed just before the trouble started."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.evidence.values import Deploy

__all__ = [
    "DEPLOY_WINDOW",
    "SuspectDeploy",
    "candidate_deploys",
    "is_config_only",
    "is_settings_only",
    "suspect_deploy",
]

# A deploy further back than this is not called a suspect on proximity alone.
DEPLOY_WINDOW = timedelta(hours=2)

_CONFIG_FILE = re.compile(
    r"(?:\.(?:ya?ml|json|toml|ini|conf|cfg|env|properties|tf|tfvars|hcl|vcl)(?:\.[\w-]+)?$)|"
    r"(?:^|/)(?:config|conf|helm|charts|deploy|k8s|manifests|terraform)/",
    re.IGNORECASE,
)


def is_config_only(files: tuple[str, ...]) -> bool:
    """Every changed file is configuration (YAML, JSON, env, Helm, Terraform...)."""
    return bool(files) and all(_CONFIG_FILE.search(f) for f in files)


# Settings a service reads, as opposed to content it ships and runs (rules, templates, data):
# files in a configuration folder, or named as settings, or of a settings-only format.
_SETTINGS_FILE = re.compile(
    r"(?:^|/)(?:config|configs|conf|settings|helm|charts|deploy|k8s|kubernetes|manifests|"
    r"terraform|env|environments)/|"
    r"(?:^|/)[^/]*(?:config|settings|values|\.env)[^/]*$|"
    r"\.(?:toml|ini|conf|cfg|env|properties|tf|tfvars|hcl|vcl)(?:\.[\w-]+)?$",
    re.IGNORECASE,
)


def is_settings_only(files: tuple[str, ...]) -> bool:
    """Every file the service's own deploy changed is a setting it reads (a configuration
    folder, a ``*config*``/``*settings*``/``values`` file, an env or Terraform file). A
    release of YAML rules, templates or data elsewhere is content the service runs: a deploy,
    like code."""
    return bool(files) and all(_SETTINGS_FILE.search(f) for f in files)


@dataclass(frozen=True, slots=True)
class SuspectDeploy:
    deploy: Deploy
    lead: timedelta  # how long before the first anomaly it landed
    previous: Deploy | None  # what a rollback would go back to, when known


def suspect_deploy(
    deploys: Iterable[Deploy], *, service: str, anomaly_at: datetime
) -> SuspectDeploy | None:
    """The latest deploy of ``service`` at or before ``anomaly_at`` within the window."""
    own = sorted((d for d in deploys if d.service == service), key=lambda d: d.at)
    before = [d for d in own if d.at <= anomaly_at]
    if not before or anomaly_at - before[-1].at > DEPLOY_WINDOW:
        return None
    suspect = before[-1]
    previous = next((d for d in reversed(before[:-1]) if d.succeeded), None)
    return SuspectDeploy(suspect, anomaly_at - suspect.at, previous)


def candidate_deploys(
    deploys: Iterable[Deploy], *, service: str, anomaly_at: datetime
) -> tuple[SuspectDeploy, ...]:
    """Every deploy of ``service`` within the window at or before ``anomaly_at``, latest first,
    each with the succeeded deploy before it (what a rollback of it would go back to)."""
    own = sorted((d for d in deploys if d.service == service), key=lambda d: (d.at, d.sha))
    found: list[SuspectDeploy] = []
    for index, deploy in enumerate(own):
        if deploy.at > anomaly_at or anomaly_at - deploy.at > DEPLOY_WINDOW:
            continue
        previous = next((d for d in reversed(own[:index]) if d.succeeded), None)
        found.append(SuspectDeploy(deploy, anomaly_at - deploy.at, previous))
    return tuple(reversed(found))

"""The configuration-push detector: a change pushed to a dependency (a DNS zone, a certificate,
CDN or cache rules, a WAF rule set, a proxy's config) shortly before the service's trouble.

Such a push breaks the service without any deploy of its own, and the packet must name it as
the change that started it (so reverting it can be proposed, behind approval), rather than stop
at "dependency down" or blame the service's last deploy. A push is a deploy of a declared
dependency, within the 2 hours before the first alert, whose files are all configuration or
whose title says it changes one of those things. Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis, minutes
from bot.analysis.deploys import DEPLOY_WINDOW, SuspectDeploy, candidate_deploys, is_config_only
from bot.analysis.logs import level_rank
from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.spike import detect_spike
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["config_push_hypotheses", "is_config_push", "pushed_under", "pushes"]

_PUSH_WORDS = re.compile(
    r"\b(?:dns|zone|dnssec|ds record|nameservers?|certificates?|certs?|tls|ssl|cdn|cach(?:e|ing) "
    r"rules?|cache|waf|rules?|ruleset|proxy|routing|routes?|acl|firewall|bgp|load balancer|"
    r"ingress|egress|vcl|nginx|haproxy|envoy|config(?:uration)?|grants?|permissions?|"
    r"polic(?:y|ies)|rbac|iam|priorit(?:y|ies)|priorityclass(?:name)?)\b",
    re.IGNORECASE,
)
_PUSH_FILE = re.compile(
    r"\.(?:vcl|tf|tfvars|zone|conf|pem|crt|rules?|jsonnet|libsonnet)$|"
    r"(?:^|/)(?:zones?|grants|policies|rbac|iam)/",
    re.I,
)


def is_config_push(files: tuple[str, ...], title: str | None) -> bool:
    """A change of configuration rather than code: every file is configuration (YAML, Terraform,
    Jsonnet, a zone, grants or policies), or its title says what it reconfigures (DNS,
    certificates, CDN or cache rules, WAF, proxy, routing, grants and permissions, network
    policies, scheduling priorities)."""
    if files and all(is_config_only((f,)) or _PUSH_FILE.search(f) for f in files):
        return True
    return bool(title) and _PUSH_WORDS.search(title or "") is not None


def pushes(facts: CaseFacts) -> tuple[SuspectDeploy, ...]:
    """Configuration pushes before the service's first alert, latest first: to its declared
    dependencies, and to what a dependency in trouble depends on (a network policy pushed under
    the authentication service every client calls)."""
    alerted = min([s.started_at for s in facts.signals], default=facts.first_seen)
    found: dict[tuple[str, str, object], SuspectDeploy] = {}
    # Before the first alert, and before the first anomaly when the evidence dates the
    # incident earlier (requests stopped reaching the service hours before anyone noticed).
    for anchor in dict.fromkeys((facts.first_seen, alerted)):
        for target in _push_targets(facts):
            for candidate in candidate_deploys(facts.deploys, service=target, anomaly_at=anchor):
                key = (candidate.deploy.service, candidate.deploy.sha, candidate.deploy.at)
                if key not in found and is_config_push(
                    candidate.deploy.files, candidate.deploy.title
                ):
                    found[key] = candidate
    return tuple(sorted(found.values(), key=lambda c: c.lead))


def pushed_under(facts: CaseFacts, dependency: str) -> SuspectDeploy | None:
    """The latest configuration push to ``dependency`` or to what it depends on."""
    targets = {dependency, *facts.catalog.dependencies(dependency)}
    return next((c for c in pushes(facts) if c.deploy.service in targets), None)


def _push_targets(facts: CaseFacts) -> list[str]:
    direct = list(facts.catalog.dependencies(facts.service))
    further = [
        beyond
        for dependency in direct
        if _in_trouble(facts, dependency)
        for beyond in facts.catalog.dependencies(dependency)
        if beyond != facts.service and beyond not in direct
    ]
    return [*direct, *dict.fromkeys(further)]


def _in_trouble(facts: CaseFacts, dependency: str) -> bool:
    """Its own errors, latency or saturation spiked, or it logged errors in the window."""
    if any(
        series.service == dependency
        and series_kind(series.name) is not SeriesKind.TRAFFIC
        and detect_spike(series) is not None
        for series in facts.metrics
    ):
        return True
    return any(
        line.service == dependency
        and line.at >= facts.window_start
        and level_rank(line.level) >= level_rank("error")
        for line in facts.related_logs
    )


def config_push_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """One config hypothesis per push: closer is likelier, and errors that began after it
    count for it."""
    found: list[Hypothesis] = []
    for rank, candidate in enumerate(pushes(facts)):
        deploy = candidate.deploy
        ref = f"deploy:{deploy.sha}"
        closeness = round(W.config_push * max(0.0, 1 - candidate.lead / DEPLOY_WINDOW), 3)
        what = deploy.title or ", ".join(deploy.files[:3])
        supports = [
            Citation(ref, f"configuration push to {deploy.service} ({what})", W.config_push),
            Citation(ref, f"landed {minutes(candidate.lead)} before the first alert", closeness),
        ]
        after = [c for c in facts.clusters if c.is_warning_or_worse and c.first_seen >= deploy.at]
        if after:
            text = f"{len(after)} warning or error templates since it landed"
            supports.append(Citation(after[0].id, text, W.config_push_failing))
        against = []
        if rank:
            against.append(Citation(ref, "a later push landed closer", W.deploy_later_candidate))
        statement = f"Configuration push to {deploy.service}: {what} (deploy {deploy.sha})"
        found.append(hypothesis(CauseKind.CONFIG, statement, supports, against, deploy.sha))
    return found

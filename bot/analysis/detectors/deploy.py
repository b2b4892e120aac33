"""The deploy detector: a deploy of the service that landed shortly before the trouble.

One hypothesis per deploy of the service in the 2 hours before the first anomaly. Closer is
likelier; errors that name a changed file, or new errors that began after it, count for it;
errors that began before it, a failing dependency the errors name, or a change that cannot
break running code (docs, tests, copy) count against it. A deploy that changed only
configuration files is a ``config`` cause, scored the same way; so is a deploy that changed
credentials (rotated a key, a secret, a certificate) when what failed is a credential refused:
the release only carried the setting that is wrong; a deploy that changed no credential counts
less when that is what failed. Customer data that began going astray
after the latest deploy counts for it: the change opened the exposure.
Weights: :mod:`bot.analysis.weights`.

Why a little over 400 lines: each reason for or against a deploy is a named step of under 80
lines, and they read a deploy's evidence together; the shared readers live in
:mod:`bot.analysis.deploys` and :mod:`bot.analysis.citing` already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.analysis.citing import hypothesis, matching, minutes
from bot.analysis.deploys import DEPLOY_WINDOW, SuspectDeploy, is_config_only, is_settings_only
from bot.analysis.detectors.config import CREDENTIAL
from bot.analysis.detectors.dependency import failing_dependency_named
from bot.analysis.detectors.fetch import fetch_failure, touches_dependencies
from bot.analysis.detectors.kubernetes import (
    failed_rollout,
    registry_failures,
    unreleased_missing_image,
    webhook_failures,
)
from bot.analysis.detectors.outside_in import healthy_inside, outside_in_failing
from bot.analysis.detectors.own_lines import own_lines_name
from bot.analysis.detectors.resource import after_deploy
from bot.analysis.exposure import exposure_of
from bot.analysis.logs import LogCluster, template_of
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import Deploy
from bot.scenario.terms import CauseKind

__all__ = [
    "credential_change",
    "dependency_failed_first",
    "deploy_hypotheses",
    "error_elsewhere",
    "file_named",
    "inert_change",
    "is_config_only",
    "later_trigger",
    "presentation_only",
]

TRIGGER_LEAD = timedelta(minutes=10)  # a change this close before the first anomaly set it off
QUIET_RUN = timedelta(minutes=15)  # a deploy that ran this long without trouble did not

# Files a running service never executes: documentation, tests, translations and copy, images.
_INERT_FILE = re.compile(
    r"(?:\.(?:md|markdown|rst|txt|adoc|png|jpe?g|gif|svg|ico|po|pot|mo)$)|"
    r"(?:^|/)(?:docs?|tests?|spec|specs|__tests__|e2e|fixtures|locales?|i18n|l10n|"
    r"translations|copy|strings)/|"
    r"(?:^|/)(?:test_[^/]*|[^/]*_test\.\w+|[^/]*\.(?:test|spec)\.\w+|readme[^/]*|"
    r"changelog[^/]*|license[^/]*|codeowners)$",
    re.IGNORECASE,
)
_INERT_TITLE = re.compile(
    r"^(?:docs?|test|tests|chore\(docs\)|copy|typo|readme)\b|\b(?:fix(?:es)? typo|"
    r"update (?:the )?(?:docs|readme|copy|changelog)|copy (?:change|update|tweak)s?)\b",
    re.IGNORECASE,
)


def inert_change(files: tuple[str, ...], title: str | None) -> bool:
    """A change that cannot break running code: every file is docs, tests or copy; or, when
    its files are unknown, its title says it is one."""
    if files:
        return all(_INERT_FILE.search(f) for f in files)
    return bool(title) and _INERT_TITLE.search(title or "") is not None


# A change of credentials, named by its title or its files: a rotation, a key, a secret.
_CREDENTIAL_CHANGE = re.compile(
    r"\brotat\w*|credential|secret|certificate|\bcerts?\b|access[ _-]?keys?\b|"
    r"api[ _-]?keys?\b|\btokens?\b|passwords?",
    re.IGNORECASE,
)


# Code that presents or checks credentials: a change to it can break them without a rotation.
_AUTH_CODE = re.compile(
    r"auth|login|sign[ _-]?in|sso|saml|oidc|oauth|jwt|session|tls|ssl|x509|crypto|keystore|"
    r"truststore|\bca\b",
    re.IGNORECASE,
)


def _credential_refused(facts: CaseFacts) -> bool:
    """An alert of the service or a warning line says a certificate or credential failed."""
    alerts = (f"{s.title}\n{s.description}" for s in facts.signals if s.service == facts.service)
    return any(CREDENTIAL.search(text) for text in alerts) or bool(
        matching(facts.window_messages, CREDENTIAL)
    )


def credential_change(deploy: Deploy, facts: CaseFacts) -> bool:
    """The deploy changed credentials (its title or a file says so) and the trouble is a
    credential refused (an alert of the service or a warning line says so)."""
    said = " ".join([deploy.title or "", *deploy.files])
    return bool(_CREDENTIAL_CHANGE.search(said)) and _credential_refused(facts)


# Markup, style and copy: files that lay out a page but cannot present or check a credential.
_PRESENTATION_FILE = re.compile(
    r"\.(?:html?|css|scss|sass|less|hbs|handlebars|mustache|jinja2?|j2|erb|haml)$", re.I
)


def presentation_only(files: tuple[str, ...]) -> bool:
    """Every changed file is markup, style, copy, docs or tests: whatever its title or folder
    says (a login page's wording), the change holds no code that handles credentials."""
    return bool(files) and all(_PRESENTATION_FILE.search(f) or _INERT_FILE.search(f) for f in files)


def _untouched_credential(deploy: Deploy, facts: CaseFacts) -> bool:
    """The trouble is a certificate or credential refused (an identity provider's certificate
    expired, a key rotated elsewhere) and the deploy changed none: its change cannot explain
    the errors, whatever its timing."""
    said = " ".join([deploy.title or "", *deploy.files])
    touched = _CREDENTIAL_CHANGE.search(said) or _AUTH_CODE.search(said)
    if presentation_only(deploy.files):
        touched = None
    return not touched and _credential_refused(facts)


def dependency_failed_first(facts: CaseFacts, deploy: Deploy) -> Citation | None:
    """A declared dependency whose own lines name what the failing calls fail at (a host, its
    certificate) was failing before the deploy landed: the deploy came after the trouble."""
    for dependency in facts.catalog.dependencies(facts.service):
        own = own_lines_name(facts, dependency)
        if own is not None and own.began < deploy.at:
            text = (
                f"{dependency}, which the failing calls reach, was failing at {own.began:%H:%M}, "
                "before it landed: its change cannot explain that"
            )
            return Citation(f"deploy:{deploy.sha}", text, W.deploy_after_dependency)
    return None


def _elsewhere(facts: CaseFacts, deploy: Deploy) -> dict[str, str]:
    """The service's new error templates since ``deploy`` that a service which did not deploy
    in the window logs too, each with that service."""
    mine = {c.template for c in _new_errors(facts) if c.first_seen >= deploy.at}
    if not mine:
        return {}
    deployed = {
        d.service for d in facts.deploys if facts.first_seen - DEPLOY_WINDOW <= d.at <= deploy.at
    }
    deployed |= {deploy.service}
    found: dict[str, str] = {}
    for record in facts.related_logs:
        if record.service in deployed or record.at < facts.window_start:
            continue
        template = template_of(record.message)
        if template in mine:
            found.setdefault(template, record.service)
    return found


def _shared_templates(facts: CaseFacts, deploy: Deploy) -> frozenset[str]:
    return frozenset(_elsewhere(facts, deploy))


def error_elsewhere(facts: CaseFacts, deploy: Deploy) -> str | None:
    """Another service that did not deploy in the window logs the same error template as the
    service's new errors since ``deploy``: what they share, not the deploy, explains it."""
    return next(iter(_elsewhere(facts, deploy).values()), None)


def file_named(path: str, line: str) -> bool:
    """``app/parser.py`` is named by ``(app/parser.py:88)`` and by ``parser.py``."""
    name = path.rsplit("/", 1)[-1]
    return path in line or (len(name) > 3 and "." in name and name in line)


def later_trigger(
    landed: datetime, first_anomaly: datetime, changes: Iterable[tuple[str, datetime]]
) -> tuple[str, datetime] | None:
    """The change (name, when) that landed after a deploy and just before the first anomaly,
    when the deploy had run quietly long before it: the trouble began with that change, not
    with the deploy (a flag flipped at the open wakes code that sat idle for half an hour)."""
    if first_anomaly - landed < QUIET_RUN:
        return None
    after = [
        (name, at)
        for name, at in changes
        if landed < at <= first_anomaly
        if first_anomaly - at <= TRIGGER_LEAD
    ]
    return max(after, key=lambda change: change[1], default=None)


def _deploy_label(deploy_sha: str, pr: int | None) -> str:
    return f"deploy {deploy_sha}" + (f" (PR {pr})" if pr is not None else "")


def _new_errors(facts: CaseFacts) -> tuple[LogCluster, ...]:
    return tuple(c for c in facts.clusters if c.new and c.is_error)


Citations = tuple[list[Citation], list[Citation]]  # for, against


def _proximity(facts: CaseFacts, rank: int, candidate: SuspectDeploy) -> Citations:
    """Closer to the first anomaly is likelier; the latest candidate counts for, a later one
    against."""
    deploy = candidate.deploy
    ref = f"deploy:{deploy.sha}"
    closeness = round(W.deploy_close * max(0.0, 1 - candidate.lead / DEPLOY_WINDOW), 3)
    supports = [
        Citation(ref, f"landed {minutes(candidate.lead)} before the first anomaly", closeness)
    ]
    if rank == 0:
        supports.append(
            Citation(ref, "the latest deploy before the first anomaly", W.deploy_latest)
        )
        return supports, []
    later = facts.candidates[0].deploy
    text = f"a later deploy, {later.sha}, landed closer"
    return supports, [Citation(f"deploy:{later.sha}", text, W.deploy_later_candidate)]


def _named_file(facts: CaseFacts, deploy: Deploy) -> Citation | None:
    """A changed file that a warning or error line names."""
    for path in deploy.files:
        for cluster in facts.clusters:
            if cluster.is_warning_or_worse and file_named(path, cluster.sample):
                text = f"changed file {path} appears in an error line"
                return Citation(cluster.id, text, W.deploy_file_named)
    return None


def _error_timing(facts: CaseFacts, deploy: Deploy) -> Citations:
    """New error templates since it landed count for it, and before it against; errors shared
    with a service that did not deploy, and credential errors when it changed no credential,
    are not its doing and are left out."""
    new_errors = _new_errors(facts)
    if error_elsewhere(facts, deploy) is not None:
        shared = _shared_templates(facts, deploy)
        new_errors = tuple(c for c in new_errors if c.template not in shared)
    if _untouched_credential(deploy, facts):
        new_errors = tuple(c for c in new_errors if not CREDENTIAL.search(c.sample))
    after = [c for c in new_errors if c.first_seen >= deploy.at]
    before = [c for c in new_errors if c.first_seen < deploy.at]
    supports: list[Citation] = []
    contradicts: list[Citation] = []
    if after:
        text = f"{len(after)} new error templates since it landed"
        supports.append(Citation(after[0].id, text, W.deploy_new_errors))
    elif facts.clusters:
        text = "no new error template since it landed"
        contradicts.append(Citation("evidence:logs", text, W.deploy_no_new_errors))
    if before:
        text = "new errors began before it landed"
        contradicts.append(Citation(before[0].id, text, W.deploy_errors_before))
    return supports, contradicts


def _rollout(facts: CaseFacts, rank: int, deploy: Deploy) -> Citations:
    """How the deploy went: code that never ran (its image could not be pulled, a failing
    webhook refused its pods, its build could not fetch a package it did not ask for) counts
    against it; a deploy that failed otherwise for it."""
    ref = f"deploy:{deploy.sha}"
    if rank == 0 and registry_failures(facts):
        text = "its pods could not pull their image from a failing registry: its code never ran"
        return [], [Citation(ref, text, W.deploy_dependency_failing)]
    if rank == 0 and webhook_failures(facts):
        text = "its pods were refused by a failing admission webhook: its code never ran"
        return [], [Citation(ref, text, W.deploy_webhook_refused)]
    if rank == 0 and (image := unreleased_missing_image(facts)) is not None:
        text = (
            f"its pods cannot pull {image}, an image its change did not build or touch, which "
            "the registry no longer has: its code never ran, and a rollback pulls it too"
        )
        return [], [Citation(ref, text, W.deploy_fetch_failed)]
    if deploy.succeeded:
        return [], []
    fetched = fetch_failure(facts) if rank == 0 else None
    if fetched is not None and not touches_dependencies(deploy.files):
        text = (
            f"its build failed fetching what its change did not ask for ({fetched}): the "
            "source it fetches from failed, and its code never ran"
        )
        return [], [Citation(ref, text, W.deploy_fetch_failed)]
    return [Citation(ref, "the deploy itself failed", W.deploy_failed)], []


def _what_followed(facts: CaseFacts, rank: int, candidate: SuspectDeploy) -> list[Citation]:
    """What began only after the latest deploy landed: customer data going astray (the change
    opened the exposure), its rollout failing, a resource saturating with the load flat (its
    symptom)."""
    deploy = candidate.deploy
    if rank != 0:
        return []
    ref = f"deploy:{deploy.sha}"
    supports = []
    if not inert_change(deploy.files, deploy.title):
        exposure = exposure_of(facts.service, (*facts.logs, *facts.related_logs), facts.signals)
        if exposure is not None:
            text = (
                f"customer data began going astray {minutes(candidate.lead)} after it landed "
                f"({exposure.why[:80]}): the change opened it"
            )
            supports.append(Citation(ref, text, W.deploy_opened_exposure))
    if (rollout := failed_rollout(facts)) is not None:
        supports.append(rollout)
    supports.extend(
        Citation(c.ref, c.text, W.deploy_brought_saturation) for c in after_deploy(facts)
    )
    return supports


def _quiet_until_trigger(facts: CaseFacts, deploy: Deploy) -> list[Citation]:
    """It ran quietly until a flag changed just before the first anomaly: the flag explains
    the timing better."""
    flags = [(f"flag {f.key}", f.at) for f in facts.flags if f.concerns(facts.service)]
    if (trigger := later_trigger(deploy.at, facts.first_seen, flags)) is None:
        return []
    ref = f"deploy:{deploy.sha}"
    name, at = trigger
    text = f"it ran {minutes(at - deploy.at)} without trouble until {name} changed at {at:%H:%M}"
    return [
        Citation(ref, text, W.deploy_ran_quiet),
        Citation(ref, f"{name} explains the timing better", W.deploy_other_change),
    ]


def _cannot_explain(facts: CaseFacts, deploy: Deploy, outweigh: float) -> list[Citation]:
    """Evidence its change cannot explain the trouble (unless an error line names one of its
    files): the same error where nothing deployed, a credential it did not touch refused, a
    dependency failing before it landed, a change of docs, tests or copy only. Files known to
    be all docs, tests or copy outweigh everything for it (``outweigh``): nothing it changed
    runs, so it cannot be the cause however close it landed."""
    ref = f"deploy:{deploy.sha}"
    against = []
    if (other := error_elsewhere(facts, deploy)) is not None:
        text = f"the same error hits {other}, which did not deploy: its change cannot explain it"
        against.append(Citation(ref, text, W.deploy_error_elsewhere))
    if _untouched_credential(deploy, facts):
        text = "the errors are a certificate or credential refused, which it did not change"
        against.append(Citation(ref, text, W.deploy_untouched_credential))
    if (first := dependency_failed_first(facts, deploy)) is not None:
        against.append(first)
    if inert_change(deploy.files, deploy.title):
        what = ", ".join(deploy.files[:3]) or deploy.title or ""
        text = f"it changed only docs, tests or copy ({what}): nothing that runs"
        weight = max(W.deploy_inert_change, outweigh) if deploy.files else W.deploy_inert_change
        against.append(Citation(ref, text, round(weight, 3)))
    return against


def _evidence(facts: CaseFacts, rank: int, candidate: SuspectDeploy) -> Citations:
    """Every citation for and against one candidate deploy, step by step."""
    deploy = candidate.deploy
    supports, contradicts = _proximity(facts, rank, candidate)
    named = _named_file(facts, deploy)
    if named is not None:
        supports.append(named)
    for step in (_error_timing(facts, deploy), _rollout(facts, rank, deploy)):
        supports.extend(step[0])
        contradicts.extend(step[1])
    supports.extend(_what_followed(facts, rank, candidate))
    contradicts.extend(_quiet_until_trigger(facts, deploy))
    if named is None:
        contradicts.extend(_cannot_explain(facts, deploy, sum(c.weight for c in supports)))
    return supports, contradicts


def _deploy_hypothesis(
    facts: CaseFacts, rank: int, candidate: SuspectDeploy, dependency: Citation | None
) -> Hypothesis:
    deploy = candidate.deploy
    supports, contradicts = _evidence(facts, rank, candidate)
    if dependency is not None:
        contradicts.append(dependency)
    label = _deploy_label(deploy.sha, deploy.pr)
    who = f" by {deploy.author}" if deploy.author else ""
    what = f": {deploy.title}" if deploy.title else ""
    ranking = (
        f"; {rank + 1} of {len(facts.candidates)} deploys in the 2 hours before, "
        "ranked by proximity and by overlap with the errors"
        if len(facts.candidates) > 1
        else ""
    )
    # A rollout that itself failed is the deploy's fault, whatever files it changed.
    failed = not deploy.succeeded or (rank == 0 and failed_rollout(facts) is not None)
    if (is_settings_only(deploy.files) and not failed) or credential_change(deploy, facts):
        statement = f"Configuration change in {label}{who}{what}{ranking}"
        return hypothesis(CauseKind.CONFIG, statement, supports, contradicts, deploy.sha)
    statement = f"Regression from {label}{who}{what}{ranking}"
    return hypothesis(CauseKind.DEPLOY, statement, supports, contradicts, deploy.sha)


def deploy_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """One hypothesis per deploy of the service in the window before the first anomaly."""
    dependency = failing_dependency_named(facts)
    found = [
        _deploy_hypothesis(facts, rank, candidate, dependency)
        for rank, candidate in enumerate(facts.candidates)
    ]
    inside = healthy_inside(facts) if outside_in_failing(facts) is not None else None
    if inside is None:
        return found
    against = Citation(
        "evidence:metrics", f"{inside}: its code serves fine", W.deploy_healthy_inside
    )
    return [
        hypothesis(h.category, h.statement, h.supports, (*h.contradicts, against), h.subject)
        for h in found
    ]

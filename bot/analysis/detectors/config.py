"""The configuration detector: a configuration reload or flag change the service logged, and
certificates or credentials that fail (a certificate is configuration that expires).
Weights: :mod:`bot.analysis.weights`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.analysis.citing import hypothesis, log_citation, matching, minutes
from bot.analysis.deploys import DEPLOY_WINDOW
from bot.analysis.logs import template_id, template_of
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import LogRecord
from bot.scenario.terms import CauseKind

__all__ = [
    "CREDENTIAL",
    "HOST_REFUSED",
    "PLATFORM_MISMATCH",
    "config_hypotheses",
    "credential_hypotheses",
    "logged_change",
    "platform_hypotheses",
]

CREDENTIAL = re.compile(
    r"certificate (?:verify failed|has expired|expired|mismatch|is not valid|not yet valid)|"
    r"x509|ssl handshake failed|tls handshake (?:error|failed)|invalid client certificate|"
    r"authentication failed for user|cert(?:ificate)? (?:has )?expir|ssl certificate problem|"
    r"certificate_expired|err_cert|"
    # A credential the service presented and that was refused: a 401, a key that is not known.
    r"\b401\b[ :-]*unauthori[sz]ed|unauthori[sz]ed \(?401\b|invalidaccesskeyid|"
    r"signaturedoesnotmatch|expiredtoken|invalid_client|invalid_grant|"
    r"(?:access|api|secret|signing) key\b.{0,40}\b(?:does not exist|not found|is invalid|revoked)",
    re.IGNORECASE,
)
_CONFIG_LOG = re.compile(
    r"config(?:uration)? (?:re)?load|config(?:uration)? (?:changed|updated|applied)|"
    r"reloading config|settings (?:changed|updated)|"
    # A configuration version or generation going out: "config generation 88417 rolled out",
    # "tenant configuration version 2026-10-29.1559 published globally".
    r"config(?:uration)? (?:generation|version|revision|change ?set)\b.{0,60}?"
    r"\b(?:rolled out|published|pushed|deployed|activated|applied)\b|"
    # A change an operator committed by hand: "commit: ... removed (operator change CHG-1)".
    r"\b(?:operator|manual) change\b",
    re.IGNORECASE,
)
_FLAG_LOG = re.compile(
    r"(?:feature[ _-]?)?flag\b.{0,60}\b(?:enabled|disabled|toggled|turned|changed|rolled out)|"
    r"(?:enabled|disabled|toggled) (?:feature[ _-]?)?flag",
    re.IGNORECASE,
)


def logged_change(facts: CaseFacts, services: set[str]) -> LogRecord | None:
    """The latest configuration change one of ``services`` logged in the 2 hours before the
    first anomaly."""
    since = facts.first_seen - DEPLOY_WINDOW
    lines = [
        record
        for record in (*facts.logs, *facts.related_logs)
        if record.service in services
        and since <= record.at <= facts.first_seen
        and _CONFIG_LOG.search(record.message)
    ]
    return max(lines, key=lambda r: (r.at, r.message), default=None)


_RELEASE_RELOAD = timedelta(minutes=10)


def _failing_since(facts: CaseFacts, change: LogRecord) -> list[Citation]:
    """The service's warning or error templates that began after the change: what it changed
    is failing (as for a configuration push recorded as a deploy)."""
    after = [c for c in facts.clusters if c.is_warning_or_worse and c.first_seen >= change.at]
    # A reload just after a release of the same service is that release taking effect: the
    # deploy, not a change of its own (the deploy detector weighs it).
    released = any(
        d.service == change.service and change.at - _RELEASE_RELOAD <= d.at <= change.at
        for d in facts.deploys
    )
    if not after or released:
        return []
    text = f"{len(after)} warning or error templates since it was logged"
    return [Citation(after[0].id, text, W.config_push_failing)]


def config_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Configuration reloads and flag changes the service, or what it depends on, logged in the
    2 hours before: a dependency's own configuration going out is a change to the path the
    service's calls take."""
    since = facts.first_seen - DEPLOY_WINDOW
    seen: set[tuple[CauseKind, str]] = set()
    found: list[Hypothesis] = []
    mine = {facts.service, *facts.catalog.dependencies(facts.service)}
    for record in sorted((*facts.logs, *facts.related_logs), key=lambda r: (r.at, r.message)):
        if not since <= record.at <= facts.first_seen or record.service not in mine:
            continue
        for category, pattern in ((CauseKind.FLAG, _FLAG_LOG), (CauseKind.CONFIG, _CONFIG_LOG)):
            if (category, record.message) in seen or not pattern.search(record.message):
                continue
            seen.add((category, record.message))
            lead = minutes(facts.first_seen - record.at)
            text = f'"{record.message}" {lead} before the first anomaly'
            citation = Citation(template_id(template_of(record.message)), text, W.config_logged)
            noun = "Feature-flag change" if category is CauseKind.FLAG else "Configuration change"
            statement = f"{noun} logged {lead} before the first anomaly"
            supports = (
                [citation, *_failing_since(facts, record)]
                if category is CauseKind.CONFIG
                else [citation]
            )
            found.append(hypothesis(category, statement, supports, subject=record.message))
            break
    return found


def credential_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Certificates and credentials are configuration: an alert of the service or an error line
    saying a certificate failed verification or expired, or a handshake or login was refused."""
    supports: list[Citation] = []
    for signal in facts.signals:
        if signal.service == facts.service and CREDENTIAL.search(
            f"{signal.title}\n{signal.description}"
        ):
            ref = f"signal:{signal.fingerprint}"
            supports.append(Citation(ref, signal.title, W.credential_alert))
            break
    ids = matching(facts.window_messages, CREDENTIAL)
    if ids:
        text = "certificate or credential errors"
        supports.append(log_citation(facts, ids, text, W.credential_logs))
    if not supports:
        return []
    statement = f"A certificate or credential of {facts.service} is wrong or expired"
    return [hypothesis(CauseKind.CONFIG, statement, supports, subject="credentials")]


# A native library or binary built for another platform than the one it runs on: another CPU
# architecture or another C library (glibc code in a musl image). Nothing in the code changed;
# where it runs (the node, the image, an injected agent) is configuration.
PLATFORM_MISMATCH = re.compile(
    r"can'?t load [\w ]*\.so on an? \w+ platform|wrong elf class|exec format error|"
    r"unsupported relocation type|cannot execute binary file|"
    r"(?:glibc|musl)[^\n]{0,40}(?:not found|incompatib)",
    re.IGNORECASE,
)
# The host refused what the program needs to start: a kernel hardening or sandbox policy of
# the node (no writable-and-executable memory for a JIT, a seccomp or SELinux/AppArmor denial).
# The program did not change; the ground it runs on did, and that is configuration.
HOST_REFUSED = re.compile(
    r"(?:failed to|cannot|could not|unable to) mark memory (?:page )?(?:as )?executable|"
    r"memorydenywriteexecute|"
    r"\b(?:mprotect|mmap)\b[^\n]{0,60}(?:permission denied|operation not permitted|eperm|eacces)|"
    r"\bseccomp\b[^\n]{0,60}(?:denied|blocked|killed|violation)|"
    r"\bavc:\s+denied|apparmor=\"?denied",
    re.IGNORECASE,
)
_PLATFORM_WORDS = (
    (PLATFORM_MISMATCH, "code built for another platform failed to load"),
    (HOST_REFUSED, "the host refused what the program needs to start"),
)


def platform_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """The service's lines, from the deploy window before the first anomaly on, say code built
    for another platform failed to load (an AMD64 library on an ARM64 node, glibc code in a
    musl image) or the host refused what it needs to start (a JIT denied executable memory):
    where it runs is wrong, not what it runs."""
    since = facts.first_seen - DEPLOY_WINDOW
    for pattern, what in _PLATFORM_WORDS:
        lines = [r for r in facts.logs if since <= r.at and pattern.search(r.message)]
        if not lines:
            continue
        first = min(lines, key=lambda r: r.at)
        text = f'{what}: "{first.message[:140]}"'
        ref = template_id(template_of(first.message))
        cited = [Citation(ref, text, W.platform_mismatch)]
        statement = f"{facts.service} does not fit the platform it runs on ({what})"
        return [hypothesis(CauseKind.CONFIG, statement, cited, subject="platform")]
    return []

"""The security detector: an alert worded as a security finding, or security words in error
lines. Weights: :mod:`bot.analysis.weights`.

Names are not findings: a service called ``credential-vault``, a team called ``edge-security`` or
a label naming either say nothing about what happened, so the words are read in the alert's
title, description and labels (not those that name a team, service or place) with the
catalog's names taken out. And a certificate that expired or a credential that stopped working
is configuration (:mod:`.config`): browsers' "security warnings" about an expired certificate
are its symptom, not an intrusion, unless the words say more (exposure, an attacker, something
compromised). An exposure that began just after a release of the service counts against a
security event of its own: the release opened it (the deploy detector names it).
"""

from __future__ import annotations

import re

from bot.analysis.citing import WARN, hypothesis, log_citation, matching, minutes
from bot.analysis.detectors.config import CREDENTIAL
from bot.analysis.exposure import exposure_of
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind
from bot.signal.values import Signal

__all__ = ["FOREIGN_CODE", "SECURITY", "security_hypotheses", "without_names"]

# A leak of memory, connections or handles is a resource running out, not data getting out.
# Nor is a route leak (a network announcing prefixes it should not): traffic goes astray, not data.
_LEAK = (
    r"(?<!memory )(?<!connection )(?<!handle )(?<!socket )(?<!thread )(?<!goroutine )"
    r"(?<!descriptor )(?<!fd )(?<!resource )(?<!route )(?<!prefix )(?<!bgp )leak"
    r"(?!\w*:? (?:\w+ ){0,2}(?:routes?|prefix\w*|announcements?)\b)"
)
# Whole words: a kernel hardening patch named "grsecurity" is no security finding.
SECURITY = re.compile(
    rf"\bsecurity|unauthori[sz]ed|credential|{_LEAK}|exfiltrat|intrusion|brute.?force|"
    r"suspicious|malicious|\bcve-|privilege escalation|data exposure|exposed|compromis|"
    r"anomalous access",
    re.IGNORECASE,
)
# Words that say more than a certificate or credential failing: someone got in or data got out.
_BEYOND_CREDENTIAL = re.compile(
    rf"{_LEAK}|exfiltrat|intrusion|brute.?force|suspicious|malicious|\bcve-|privilege escalation|"
    r"data exposure|exposed|compromis|anomalous access|attack",
    re.IGNORECASE,
)


# Code running that nobody shipped: a process the image does not hold, a workload no pipeline
# created, traffic to a mining pool. Whatever it saturates, someone else's work is running.
FOREIGN_CODE = re.compile(
    r"not in (?:the )?(?:image|manifest|allow ?list|baseline)\b|"
    r"\b(?:unknown|unexpected|unrecognized|unsigned) (?:process|binary|executable)|"
    r"not created by any (?:pipeline|deploy\w*|service account)|"
    r"stratum\+(?:tcp|ssl)|mining pool|\bxmrig\b|crypto-?miner|crypto-?mining|\bmonero\b|"
    r"coinhive|reverse shell",
    re.IGNORECASE,
)


# Labels whose value names a thing (a team, a service, a workload, a place), not what happened.
_NAME_LABELS = frozenset(
    {
        "team",
        "owner",
        "squad",
        "group",
        "service",
        "app",
        "application",
        "component",
        "job",
        "namespace",
        "deployment",
        "container",
        "pod",
        "instance",
        "cluster",
        "env",
        "environment",
        "repository",
        "project",
        "receiver",
    }
)


def without_names(text: str, facts: CaseFacts) -> str:
    """``text`` with the catalog's service and team names of the case taken out: a name that
    holds a word (``credential-vault``, ``edge-security``) is not that word said."""
    names = {facts.service, *facts.catalog.dependencies(facts.service)}
    owner = facts.catalog.owner_of(facts.service)
    if owner:
        names.add(owner)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text, flags=re.IGNORECASE)
    return text


def _alert_words(signal: Signal, facts: CaseFacts) -> str:
    said = [value for key, value in signal.labels.items() if key.lower() not in _NAME_LABELS]
    return without_names("\n".join([signal.title, signal.description, *said]), facts)


def security_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """An alert worded as a security finding, or security words in error lines; a certificate
    or credential failure that explains the words counts against it."""
    supports: list[Citation] = []
    against: list[Citation] = []
    for signal in facts.signals:
        words = _alert_words(signal, facts)
        if SECURITY.search(words):
            text = f"security alert: {signal.title}"
            supports.append(Citation(f"signal:{signal.fingerprint}", text, W.security_alert))
            if CREDENTIAL.search(words) and not _BEYOND_CREDENTIAL.search(words):
                why = "a certificate or credential failing explains the words: configuration"
                ref = f"signal:{signal.fingerprint}"
                against.append(Citation(ref, why, W.security_credential_explained))
            break
    lines = [m for m in facts.window_messages if SECURITY.search(without_names(m.text, facts))]
    ids = matching(lines, SECURITY)
    if ids:
        text = "security words in the logs"
        supports.append(log_citation(facts, ids, text, W.security_logs))
    foreign = [m for m in facts.window_messages if m.rank >= WARN and FOREIGN_CODE.search(m.text)]
    if foreign:
        text = "code nobody shipped runs in it (a process not in its image, a mining pool)"
        supports.append(
            log_citation(facts, matching(foreign, FOREIGN_CODE), text, W.security_foreign_code)
        )
    exposure = exposure_of(facts.service, (*facts.logs, *facts.related_logs), facts.signals)
    if exposure is not None and not supports:
        # Data that reached an audience it was not meant for is a security event whatever
        # words the alert uses ("TenantIsolationViolation", "Public read access"); counted
        # once: words that already call it one are the same finding.
        text = f"customer data reached the wrong audience: {exposure.why[:100]}"
        said = (
            f"signal:{s.fingerprint}" for s in facts.signals if exposure.text.startswith(s.title)
        )
        ref = next(said, "evidence:logs")
        supports.append(Citation(ref, text, W.security_wrong_owner))
    if not supports:
        return []
    latest = facts.candidates[0] if facts.candidates else None
    if latest is not None and exposure is not None:
        text = (
            f"the exposure began {minutes(latest.lead)} after release {latest.deploy.sha} "
            "landed: the release is what opened it"
        )
        against.append(Citation(f"deploy:{latest.deploy.sha}", text, W.security_release_opened))
    statement = f"Security event on {facts.service}"
    return [hypothesis(CauseKind.SECURITY, statement, supports, against)]

"""The security detector: an alert worded as a security finding, or security words in error
lines. Weights: :mod:`bot.analysis.weights`."""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis, log_citation, matching
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["SECURITY", "security_hypotheses"]

SECURITY = re.compile(
    r"security|unauthori[sz]ed|credential|leak|exfiltrat|intrusion|brute.?force|suspicious|"
    r"malicious|\bcve-|privilege escalation|data exposure|exposed|compromis|anomalous access",
    re.IGNORECASE,
)


def security_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """An alert worded as a security finding, or security words in error lines."""
    supports: list[Citation] = []
    for signal in facts.signals:
        words = " ".join([signal.title, signal.description, *signal.labels.values()])
        if SECURITY.search(words):
            text = f"security alert: {signal.title}"
            supports.append(Citation(f"signal:{signal.fingerprint}", text, W.security_alert))
            break
    ids = matching(facts.window_messages, SECURITY)
    if ids:
        text = "security words in the logs"
        supports.append(log_citation(facts, ids, text, W.security_logs))
    if not supports:
        return []
    return [hypothesis(CauseKind.SECURITY, f"Security event on {facts.service}", supports)]

"""The feature-flag detector: flag changes from the flag source that may touch the service.
Weights: :mod:`bot.analysis.weights`."""

from __future__ import annotations

from datetime import timedelta

from bot.analysis.citing import hypothesis, minutes
from bot.analysis.deploys import DEPLOY_WINDOW
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import FlagChange
from bot.scenario.terms import CauseKind

__all__ = ["FLAG_CLOSE", "flag_hypotheses"]

FLAG_CLOSE = timedelta(minutes=30)


def flag_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Feature-flag changes that may touch the service (they name it, or no service) in the
    2 hours before the first anomaly, from the flag source: one hypothesis per flag, its
    latest change. Closer is likelier, and a flag that names the service counts more than a
    global one."""
    since = facts.first_seen - DEPLOY_WINDOW
    latest: dict[str, FlagChange] = {}
    for change in facts.flags:
        if change.concerns(facts.service) and since <= change.at <= facts.first_seen:
            latest[change.key] = change
    found: list[Hypothesis] = []
    for change in latest.values():
        lead = facts.first_seen - change.at
        lead_text = minutes(lead)
        ref = f"flag:{change.key}"
        text = f"flag {change.key} {change.change} {lead_text} before the first anomaly"
        supports = [Citation(ref, text, W.flag_changed)]
        if lead <= FLAG_CLOSE:
            supports.append(Citation(ref, "within 30 minutes of it", W.flag_close))
        if change.service == facts.service:
            supports.append(Citation(ref, f"it targets {facts.service}", W.flag_targets_service))
        statement = f"Feature flag {change.key} changed ({change.change}) {lead_text} before"
        found.append(hypothesis(CauseKind.FLAG, statement, supports, subject=change.key))
    return found

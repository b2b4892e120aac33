"""The traffic detector: a surge in requests (RED's rate) is the cause.
Weights: :mod:`bot.analysis.weights`."""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis, log_citation, matching
from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["traffic_hypotheses"]

_RATE_LIMIT = re.compile(r"rate.?limit|too many requests|\b429\b|throttl", re.IGNORECASE)


def traffic_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """A surge in requests: a traffic series spiked, or the service rate-limits."""
    supports: list[Citation] = []
    traffic = [s for s in facts.spikes if series_kind(s.series.name) is SeriesKind.TRAFFIC]
    for spike in traffic[:1]:
        text = f"{spike.series.name} rose from {spike.baseline:g} to {spike.latest:g}"
        ref = f"metric:{facts.service}/{spike.series.name}"
        supports.append(Citation(ref, text, W.traffic_spiked))
    limited = matching(facts.window_messages, _RATE_LIMIT)
    if limited:
        text = "rate limiting in the logs"
        supports.append(log_citation(facts, limited, text, W.traffic_rate_limited))
    if not supports:
        return []
    against = [
        Citation(
            f"deploy:{c.deploy.sha}",
            f"deploy {c.deploy.sha} landed before it",
            W.traffic_deploy_near,
        )
        for c in facts.candidates[:1]
    ]
    statement = f"Traffic surge on {facts.service}"
    return [hypothesis(CauseKind.TRAFFIC, statement, supports, against)]

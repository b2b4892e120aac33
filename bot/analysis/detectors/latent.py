"""Latent changes: a deploy or a flag change older than the 2-hour window that started what
still goes on.

Some trouble is found days after the change that began it: a flag switched a code path on and
a parser has read past its buffer ever since, until someone outside notices. The packet's window
cannot see that; the long look-back can. A change is the onset of the trouble when one of the
service's own series (errors, latency, or a count of bad events: not its load, not a resource
filling) stepped up right after it, within the same sampling interval, and stayed up until now.
Only the latest change inside that interval is named: the evidence cannot tell two apart.

A release can also sit quietly until the load comes: it moved reads to a slower path, and at the
next peak latency triples. Its latest deploy (older than the window, no later one, not a change
of docs or copy) is the onset when a RED symptom (latency, errors) is now at least twice what
it was before that deploy at the same load (the service's own request rate within a tenth of
today's, read within an hour of the symptom's point).
Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analysis.citing import hypothesis
from bot.analysis.deploys import DEPLOY_WINDOW, SuspectDeploy
from bot.analysis.detectors.deploy import inert_change
from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import Deploy, MetricSeries
from bot.scenario.terms import CauseKind

__all__ = [
    "ONSET_LEAD",
    "STEP_RATIO",
    "Onset",
    "latent_deploys",
    "latent_hypotheses",
    "onsets",
    "same_load_regression",
]

ONSET_LEAD = timedelta(hours=24)  # the step shows within this of the change
STEP_RATIO = 3.0  # and every point since is at least this times the baseline
LOAD_NEAR = timedelta(hours=1)  # a load reading this close to a symptom's point is its load
LOAD_TOLERANCE = 0.1  # loads within a tenth of each other are the same load
REGRESSION_RATIO = 2.0  # a symptom twice what it was at the same load regressed
SAME_LOAD_SPAN = timedelta(days=3)  # a release older than this has met its peaks already


@dataclass(frozen=True, slots=True)
class Onset:
    """Where a series stepped up and stayed: between ``before_at`` (last baseline point) and
    ``at`` (first point up), from ``baseline`` to ``latest``."""

    series: MetricSeries
    baseline: float
    latest: float
    before_at: datetime
    at: datetime


def _onset(series: MetricSeries) -> Onset | None:
    values = [value for _, value in series.points]
    for index in range(1, len(values)):
        baseline = statistics.median(values[:index])
        rest = values[index:]
        up = all(v > 0 for v in rest) if baseline <= 0 else min(rest) >= STEP_RATIO * baseline
        if up and len(rest) >= 2:
            before_at, at = series.points[index - 1][0], series.points[index][0]
            return Onset(series, baseline, values[-1], before_at, at)
        if up:
            return None
    return None


def onsets(facts: CaseFacts) -> list[Onset]:
    """Steps that stayed, in the service's own series over the long look-back (errors,
    latency, counts of bad events; not its load, not a resource filling up)."""
    found: list[Onset] = []
    for series in facts.metrics:
        if series.service != facts.service:
            continue
        if series_kind(series.name) in (SeriesKind.TRAFFIC, SeriesKind.SATURATION):
            continue
        step = _onset(facts.over_long_span(series))
        if step is not None and step.at < facts.first_seen - DEPLOY_WINDOW:
            found.append(step)
    return found


def _changes(facts: CaseFacts) -> list[tuple[str, str, datetime, Deploy | None]]:
    """(kind, name, when, deploy) of the service's changes older than the 2-hour window."""
    edge = facts.first_seen - DEPLOY_WINDOW
    found: list[tuple[str, str, datetime, Deploy | None]] = [
        ("deploy", d.sha, d.at, d) for d in facts.deploys if d.service == facts.service
    ]
    found += [
        ("flag", f.key, f.at, None)
        for f in (*facts.earlier_flags, *facts.flags)
        if f.concerns(facts.service)
    ]
    return [change for change in found if change[2] < edge]


def _latent(facts: CaseFacts) -> list[tuple[Onset, tuple[str, str, datetime, Deploy | None]]]:
    pairs = []
    changes = _changes(facts)
    for step in onsets(facts):
        inside = [
            c for c in changes if step.before_at < c[2] <= step.at and step.at - c[2] <= ONSET_LEAD
        ]
        if inside:
            pairs.append((step, max(inside, key=lambda c: c[2])))
    return pairs


def _load_at(load: MetricSeries, when: datetime) -> float | None:
    near = [(abs(at - when), value) for at, value in load.points if abs(at - when) <= LOAD_NEAR]
    return min(near)[1] if near else None


def same_load_regression(facts: CaseFacts) -> tuple[Deploy, str, str] | None:
    """The service's latest deploy, older than the window, after which a RED symptom is at
    least twice what it was before it at the same load: (deploy, series ref, why)."""
    own = sorted((d for d in facts.deploys if d.service == facts.service), key=lambda d: d.at)
    before_now = [d for d in own if d.at <= facts.first_seen]
    if not before_now or before_now[-1].at >= facts.first_seen - DEPLOY_WINDOW:
        return None
    deploy = before_now[-1]
    if inert_change(deploy.files, deploy.title) or facts.first_seen - deploy.at > SAME_LOAD_SPAN:
        return None
    mine = [facts.over_long_span(m) for m in facts.metrics if m.service == facts.service]
    loads = [m for m in mine if series_kind(m.name) is SeriesKind.TRAFFIC]
    for symptom in mine:
        if series_kind(symptom.name) not in (SeriesKind.LATENCY, SeriesKind.ERRORS) or not loads:
            continue
        now_at, now = symptom.points[-1]
        load_now = _load_at(loads[0], now_at)
        if load_now is None or now_at <= deploy.at:
            continue
        alike = [
            value
            for at, value in symptom.points
            if at < deploy.at
            and (load := _load_at(loads[0], at)) is not None
            and load >= (1 - LOAD_TOLERANCE) * load_now
        ]
        if alike and max(alike) > 0 and now >= REGRESSION_RATIO * max(alike):
            why = (
                f"{symptom.name} is {now:g} now against {max(alike):g} before deploy "
                f"{deploy.sha} at the same load ({loads[0].name} about {load_now:g})"
            )
            return deploy, f"metric:{facts.service}/{symptom.name}", why
    return None


def latent_deploys(facts: CaseFacts) -> tuple[SuspectDeploy, ...]:
    """Deploys of the service that began a trouble still going on (see the module)."""
    own = sorted((d for d in facts.deploys if d.service == facts.service), key=lambda d: d.at)
    deploys = [deploy for _, (_, _, _, deploy) in _latent(facts) if deploy is not None]
    if (regression := same_load_regression(facts)) is not None:
        deploys.append(regression[0])
    found = []
    for deploy in dict.fromkeys(deploys):
        previous = next((d for d in reversed(own) if d.at < deploy.at and d.succeeded), None)
        found.append(SuspectDeploy(deploy, facts.first_seen - deploy.at, previous))
    return tuple(found)


def latent_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """One hypothesis per change that began a step still going on."""
    found: list[Hypothesis] = []
    for step, (kind, name, when, deploy) in _latent(facts):
        series = step.series
        ref = f"metric:{series.service}/{series.name}"
        text = (
            f"{series.name} stepped from {step.baseline:g} to {step.latest:g} between "
            f"{step.before_at:%Y-%m-%d %H:%M} and {step.at:%Y-%m-%d %H:%M}, right after "
            f"{kind} {name} ({when:%Y-%m-%d %H:%M}), and stayed up since"
        )
        cited = [Citation(ref, text, W.latent_onset)]
        if kind == "flag":
            statement = f"Feature flag {name} changed on {when:%Y-%m-%d} and began it"
            found.append(hypothesis(CauseKind.FLAG, statement, cited, subject=name))
        elif deploy is not None:
            what = f": {deploy.title}" if deploy.title else ""
            statement = f"Regression from deploy {name}{what}, latent since {when:%Y-%m-%d}"
            found.append(hypothesis(CauseKind.DEPLOY, statement, cited, subject=name))
    regression = same_load_regression(facts)
    if regression is not None and regression[0].sha not in {h.subject for h in found}:
        deploy, ref, why = regression
        cited = [Citation(ref, why, W.latent_same_load)]
        what = f": {deploy.title}" if deploy.title else ""
        statement = f"Regression from deploy {deploy.sha}{what}, showing under load"
        found.append(hypothesis(CauseKind.DEPLOY, statement, cited, subject=deploy.sha))
    return found

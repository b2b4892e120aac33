"""Ranked hypotheses about the cause, and the markers that warn the reader.

:func:`diagnose` clusters the logs, runs every detector of :mod:`bot.analysis.detectors`, ranks
what they propose (confidence, then a fixed order of kinds, then text: the same evidence always
gives the same ranking) and raises markers:

- ``low_confidence``: the best hypothesis is below ``LOW_CONFIDENCE`` or is "unknown";
- ``conflicting_signals``: two hypotheses naming different causes are both at least
  ``CONFLICT_FLOOR`` and within ``CONFLICT_MARGIN`` of each other, or two series measuring the
  same thing for the service disagree (one spikes, the other stays flat over the same time, or
  one counts server errors while the other reads zero throughout), or
  an outside-in check fails while the service's own metrics are fine, or an alert says its
  pods are unavailable while the cluster shows them all running and ready, or a store counts
  wrong data (mismatched checksums) while its health readings stay flat;
- ``customer_data``: a security hypothesis of at least ``CONFLICT_FLOOR``, or warning and error
  lines carrying personal data (emails, card numbers that pass the Luhn check, US SSNs);
- ``unsafe_rollback``: the deploy a rollback would undo carries a database migration, or no
  earlier successful deploy is known to go back to.

``change_freeze`` and ``missing_runbook`` need the change calendar and the runbooks, which the
evidence bundle does not carry yet: add them in :func:`_markers` when it does. Likewise the
"previous revision also failing" case of ``unsafe_rollback`` needs cluster revision history.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analysis.deploys import SuspectDeploy, candidate_deploys
from bot.analysis.detectors import DETECTORS, unknown_hypothesis
from bot.analysis.detectors.config_push import pushes
from bot.analysis.detectors.latent import latent_deploys
from bot.analysis.detectors.outside_in import healthy_inside, outside_in_failing
from bot.analysis.disagreement import alert_against_cluster, errors_on_one_side
from bot.analysis.exposure import exposure_of
from bot.analysis.logs import LogCluster, cluster_logs, level_rank, template_id, template_of
from bot.analysis.series import SeriesKind, exhaustion_words, headroom, series_kind
from bot.analysis.spike import Spike, detect_spike
from bot.analysis.values import CaseFacts, Hypothesis, RaisedMarker, WindowMessage
from bot.catalog import Catalog
from bot.evidence.values import ChangeWindowKind, EvidenceBundle, LogRecord, MetricSeries
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import Signal

__all__ = [
    "CONFLICT_FLOOR",
    "CONFLICT_MARGIN",
    "LOG_WINDOW_LEAD",
    "LOW_CONFIDENCE",
    "Diagnosis",
    "diagnose",
    "exposure_of",
    "personal_data_in",
]

LOW_CONFIDENCE = 0.5
CONFLICT_MARGIN = 0.1
CONFLICT_FLOOR = 0.3
# Lines this long before the first anomaly already belong to the incident; earlier ones are the
# history that decides whether a template is new.
LOG_WINDOW_LEAD = timedelta(minutes=10)
MIN_FLAT_POINTS = 3
SATURATION_RISE = 1.3
DROP_SHARE = 0.2
_WRONG_DATA = re.compile(r"mismatch|checksum|diverg|inconsisten|corrupt|drift", re.IGNORECASE)
HEALTH_SERIES = re.compile(r"lag|behind|status|health|\bup\b|error", re.IGNORECASE)
STATUS_SERIES = re.compile(r"status|operational|health|\bup\b", re.IGNORECASE)
_ORDER = tuple(CauseKind)
# An address's domain ends in letters: ``babel-code-frame@6.7.2`` is a package version.
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Hypotheses best first (never empty: "unknown" is always among them), the raised
    markers, the incident window's log clusters and the candidate deploys (the service's,
    latest first, then configuration pushes to its dependencies)."""

    hypotheses: tuple[Hypothesis, ...]
    markers: tuple[RaisedMarker, ...]
    clusters: tuple[LogCluster, ...]
    candidates: tuple[SuspectDeploy, ...]

    @property
    def top(self) -> Hypothesis:
        return self.hypotheses[0]


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def personal_data_in(text: str) -> tuple[str, ...]:
    """The kinds of personal data ``text`` carries: ``email``, ``card number``, ``SSN``."""
    kinds = []
    if _EMAIL.search(text):
        kinds.append("email")
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            kinds.append("card number")
            break
    if _SSN.search(text):
        kinds.append("SSN")
    return tuple(kinds)


def _window_messages(logs: Iterable[LogRecord], since: datetime) -> tuple[WindowMessage, ...]:
    ranks: dict[str, int] = {}
    for record in logs:
        if record.at >= since:
            ranks[record.message] = max(ranks.get(record.message, 0), level_rank(record.level))
    return tuple(
        WindowMessage(text, rank, template_id(template_of(text)))
        for text, rank in sorted(ranks.items())
    )


def _rank_key(item: Hypothesis) -> tuple[float, int, str, str]:
    return (-item.confidence, _ORDER.index(item.category), item.subject or "", item.statement)


def _same_thing(a: MetricSeries, b: MetricSeries) -> bool:
    """Two series of the service measure the same thing: one USE/RED kind and, for a
    saturation, one resource (a queue and memory are both saturations, not the same one)."""
    kind = series_kind(a.name)
    if kind is None or series_kind(b.name) is not kind:
        return False
    return kind is not SeriesKind.SATURATION or exhaustion_words(a.name) == exhaustion_words(b.name)


def _held(series: MetricSeries) -> bool:
    """The series stayed where it was: no spike, and its last point within
    ``SATURATION_RISE`` of its first (a climb without a jump still moved)."""
    values = [v for _, v in series.points]
    if detect_spike(series) is not None or not values:
        return False
    return values[0] <= 0 or values[-1] < SATURATION_RISE * values[0]


def _disagreeing_series(spikes: Sequence[Spike], facts: CaseFacts) -> str | None:
    """Two series of the same thing for the service, one spiking while the other stays flat
    over the points after the spike began: dashboards that disagree."""
    for spike in spikes:
        for other in facts.metrics:
            if other is spike.series or other.service != facts.service:
                continue
            if not _same_thing(spike.series, other):
                continue
            after = [p for p in other.points if p[0] >= spike.first_anomaly_at]
            if len(other.points) >= MIN_FLAT_POINTS and after and _held(other):
                return (
                    f"{spike.series.name} spiked while {other.name}, which measures the same "
                    "thing, stayed flat"
                )
    return None


def _conflict(ranked: Sequence[Hypothesis], facts: CaseFacts) -> str | None:
    known = [h for h in ranked if h.category is not CauseKind.UNKNOWN]
    if len(known) >= 2:
        first, second = known[0], known[1]
        close = first.confidence - second.confidence <= CONFLICT_MARGIN
        if close and second.confidence >= CONFLICT_FLOOR:
            return (
                f"two explanations fit about equally: {first.statement} "
                f"({first.confidence:.2f}) and {second.statement} ({second.confidence:.2f})"
            )
    if (disagree := _disagreeing_series(facts.spikes, facts)) is not None:
        return disagree
    if (disagree := errors_on_one_side(facts)) is not None:
        return disagree
    return (
        _outside_in_conflict(facts)
        or alert_against_cluster(facts)
        or _dropped_series(facts)
        or _status_says_fine(ranked, facts)
        or _healthy_but_wrong(facts)
    )


def _flat(values: Sequence[float]) -> bool:
    low, high = min(values), max(values)
    return high == low or (low > 0 and high <= SATURATION_RISE * low)


def _healthy_but_wrong(facts: CaseFacts) -> str | None:
    """A store the service reads (or the service itself) counts wrong data (mismatched
    checksums, diverged rows) while its own health readings (lag, status, errors) stay flat:
    replication that looks healthy and serves wrong answers. Both cannot be the whole truth."""
    services = (facts.service, *facts.catalog.dependencies(facts.service))
    for service in services:
        spans = (facts.over_long_span(m) for m in facts.metrics if m.service == service)
        mine = [m for m in spans if len(m.points) >= 2]
        wrong = next(
            (
                m
                for m in mine
                if _WRONG_DATA.search(m.name)
                and m.points[-1][1] > 0
                and m.points[-1][1] >= 2 * m.points[0][1]
            ),
            None,
        )
        healthy = next(
            (m for m in mine if HEALTH_SERIES.search(m.name) and _flat([v for _, v in m.points])),
            None,
        )
        if wrong is not None and healthy is not None:
            return (
                f"{wrong.name} of {service} rose from {wrong.points[0][1]:g} to "
                f"{wrong.points[-1][1]:g} while its {healthy.name} held at "
                f"{healthy.points[-1][1]:g}: it looks healthy and serves wrong data"
            )
    return None


def _outside_in_conflict(facts: CaseFacts) -> str | None:
    """An outside-in check fails while the service's own error rate and latency are normal."""
    failing = outside_in_failing(facts)
    inside = healthy_inside(facts) if failing is not None else None
    if failing is None or inside is None:
        return None
    return f"{failing.text} fails while {inside}"


def _dropped_series(facts: CaseFacts) -> str | None:
    """Two series of one kind for the service: one fell to a fifth of its level (a dashboard
    going blank) while the other held: they cannot both be right."""
    # A series of what is left (memory available) falls as its resource fills: not a blank.
    own = [
        m
        for m in facts.metrics
        if m.service == facts.service and len(m.points) >= MIN_FLAT_POINTS and not headroom(m.name)
    ]
    for series in own:
        values = [v for _, v in series.points]
        before = statistics.median(values[: max(2, len(values) // 2)])
        if before <= 0 or values[-1] > DROP_SHARE * before:
            continue
        for other in own:
            if other is series or not _same_thing(series, other):
                continue
            held = [v for _, v in other.points]
            level = statistics.median(held[: max(2, len(held) // 2)])
            if level > 0 and held[-1] >= (1 - DROP_SHARE) * level:
                return (
                    f"{series.name} fell to {values[-1]:g} while {other.name}, which measures "
                    f"the same thing, held at {held[-1]:g}"
                )
    return None


def _status_says_fine(ranked: Sequence[Hypothesis], facts: CaseFacts) -> str | None:
    """The top cause is a dependency whose own status series says it is operating normally."""
    top = ranked[0]
    if top.category is not CauseKind.DEPENDENCY or top.subject is None:
        return None
    for series in facts.metrics:
        if series.service == top.subject and STATUS_SERIES.search(series.name) and series.points:
            latest = series.points[-1][1]
            if latest >= 1.0:
                return f"{series.name} of {top.subject} says it is fine while calls to it fail"
    return None


def _unsafe_rollback(ranked: Sequence[Hypothesis], facts: CaseFacts) -> str | None:
    """Why rolling back the most likely deploy may not be safe, when it is the top cause."""
    by_sha = {c.deploy.sha: c for c in (*facts.candidates, *pushes(facts), *latent_deploys(facts))}
    blamed = next((h for h in ranked if h.subject in by_sha), None)
    if blamed is None or blamed is not ranked[0] or blamed.subject is None:
        return None
    candidate = by_sha[blamed.subject]
    reasons = []
    if candidate.deploy.has_migration:
        reasons.append(
            f"deploy {candidate.deploy.sha} carries a database migration that a rollback of "
            "the code does not undo"
        )
    if candidate.previous is None:
        reasons.append("no earlier successful deploy is known to roll back to")
    return "; ".join(reasons) or None


def _customer_data(ranked: Sequence[Hypothesis], facts: CaseFacts) -> str | None:
    exposure = exposure_of(facts.service, (*facts.logs, *facts.related_logs), facts.signals)
    if exposure is not None:
        when = f" at {exposure.at:%H:%M}" if exposure.at is not None else ""
        return f"customer data reached the wrong owner{when}: {exposure.why}"
    security = next((h for h in ranked if h.category is CauseKind.SECURITY), None)
    if security is not None and security.confidence >= CONFLICT_FLOOR:
        return f"possible exposure: {security.statement[:1].lower()}{security.statement[1:]}"
    for message in facts.window_messages:
        if message.rank >= level_rank("warn") and (kinds := personal_data_in(message.text)):
            return f"warning and error lines carry personal data ({', '.join(kinds)})"
    return None


def _markers(ranked: Sequence[Hypothesis], facts: CaseFacts) -> tuple[RaisedMarker, ...]:
    markers: list[RaisedMarker] = []
    top = ranked[0]
    if top.category is CauseKind.UNKNOWN:
        markers.append(RaisedMarker(Marker.LOW_CONFIDENCE, "no cause is supported by the evidence"))
    elif top.confidence < LOW_CONFIDENCE:
        reason = f"the best explanation has confidence {top.confidence:.2f}: a lead, not a finding"
        markers.append(RaisedMarker(Marker.LOW_CONFIDENCE, reason))
    if (conflict := _conflict(ranked, facts)) is not None:
        markers.append(RaisedMarker(Marker.CONFLICTING_SIGNALS, conflict))
    if (exposure := _customer_data(ranked, facts)) is not None:
        markers.append(RaisedMarker(Marker.CUSTOMER_DATA, exposure))
    if (unsafe := _unsafe_rollback(ranked, facts)) is not None:
        markers.append(RaisedMarker(Marker.UNSAFE_ROLLBACK, unsafe))
    if (freeze := _change_freeze(facts)) is not None:
        markers.append(RaisedMarker(Marker.CHANGE_FREEZE, freeze))
    return tuple(markers)


def _change_freeze(facts: CaseFacts) -> str | None:
    """A freeze window of the change calendar that covers the service when the incident began:
    any change the packet suggests needs the freeze's exception process too."""
    for window in facts.calendar:
        if window.kind is ChangeWindowKind.FREEZE and window.covers(
            facts.service, facts.first_seen
        ):
            note = f" ({window.note})" if window.note else ""
            return (
                f"a change freeze is on from {window.start:%Y-%m-%d %H:%M} to "
                f"{window.end:%Y-%m-%d %H:%M} UTC{note}; production changes need an exception"
            )
    return None


def diagnose(
    *,
    service: str,
    first_seen: datetime,
    spikes: Sequence[Spike],
    evidence: EvidenceBundle,
    signals: Sequence[Signal],
    catalog: Catalog,
    known_templates: Iterable[str] = (),
) -> Diagnosis:
    """Everything the evidence says about the cause, ranked, with the markers it raises.

    ``first_seen`` and ``spikes`` come from the assessment; ``known_templates`` are log
    templates the caller already knows from a baseline (they are not new)."""
    window_start = first_seen - LOG_WINDOW_LEAD
    # The service's own lines are its symptoms; its dependencies' lines (the evidence holds
    # them too) speak only about the dependencies.
    # Lines before the packet's window are history too: they tell an old template from a new
    # one, and when the incident truly began (a first exposure hours before the alert).
    lines = (*evidence.earlier_logs, *evidence.logs)
    own_logs = tuple(record for record in lines if record.service == service)
    clusters = cluster_logs(own_logs, window_start=window_start, known_templates=known_templates)
    facts = CaseFacts(
        service=service,
        first_seen=first_seen,
        spikes=tuple(spikes),
        candidates=candidate_deploys(evidence.deploys, service=service, anomaly_at=first_seen),
        deploys=evidence.deploys,
        deploys_checked=evidence.deploys_checked,
        metrics=evidence.metrics,
        long_metrics=evidence.long_metrics,
        earlier_flags=evidence.earlier_flags,
        logs=own_logs,
        window_start=window_start,
        clusters=clusters,
        window_messages=_window_messages(own_logs, window_start),
        related_logs=tuple(record for record in lines if record.service != service),
        events=evidence.cluster.events,
        signals=tuple(signals),
        catalog=catalog,
        flags=evidence.flags,
        calendar=evidence.calendar,
        pods=evidence.cluster.pods,
        traces=evidence.traces,
    )
    found = [item for detector in DETECTORS for item in detector(facts)]
    ranked = sorted([*found, unknown_hypothesis(facts)], key=_rank_key)
    changes = (*facts.candidates, *pushes(facts), *latent_deploys(facts))
    return Diagnosis(tuple(ranked), _markers(ranked, facts), clusters, changes)

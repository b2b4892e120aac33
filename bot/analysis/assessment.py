"""Assessment: from signals and evidence to the facts a packet states.

Every fact here comes from evidence; where there is none, the assessment says so instead of
guessing (no suspect deploy rather than a weak one).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analysis.category import categorize
from bot.analysis.deploys import SuspectDeploy
from bot.analysis.detectors.traffic import demand_held
from bot.analysis.exposure import exposure_in
from bot.analysis.hypotheses import Diagnosis, diagnose, exposure_of
from bot.analysis.logs import LogCluster, level_rank, template_of
from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.spike import Spike, detect_spike
from bot.analysis.stated_time import stated_onset
from bot.analysis.values import Hypothesis, RaisedMarker
from bot.analysis.weights import W
from bot.catalog import Catalog
from bot.evidence.values import EvidenceBundle, LogRecord, MetricSeries
from bot.scenario.terms import CauseKind, IncidentCategory
from bot.signal.values import Signal

__all__ = ["ALERT_LEAD", "Assessment", "assess"]

UNKNOWN_FLOOR = W.unknown_floor  # "cause unknown"'s own confidence
STRONG_AGAINST = 0.25  # a citation against a deploy this heavy says its change cannot explain
COLLAPSE_SHARE = 0.1  # a request rate at a tenth of its level or less has collapsed
MIN_BEFORE_COLLAPSE = 2  # points of its level before the fall
# New errors this long before the first alert already belong to the incident.
ALERT_LEAD = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Assessment:
    service: str
    first_seen: datetime
    spikes: tuple[Spike, ...]
    suspect: SuspectDeploy | None
    hypotheses: tuple[Hypothesis, ...] = ()  # best first
    markers: tuple[RaisedMarker, ...] = ()
    log_clusters: tuple[LogCluster, ...] = ()  # the incident window's logs, busiest first
    candidates: tuple[SuspectDeploy, ...] = ()  # deploys in the window before, latest first
    signals: tuple[Signal, ...] = ()  # the alerts it assessed
    demand_held: bool = False  # its load measured flat and no capacity lost (see demand_held)

    @property
    def category(self) -> IncidentCategory:
        """What kind of trouble this is (see :mod:`bot.analysis.category`)."""
        return categorize(
            service=self.service,
            signals=self.signals,
            spikes=self.spikes,
            hypotheses=self.hypotheses,
            markers=self.markers,
        )

    @property
    def cause(self) -> CauseKind | None:
        """The cause kind the evidence establishes: the top-ranked hypothesis's kind, a deploy
        when one is suspected without a ranking, else None (unknown, never guessed)."""
        if self.hypotheses and self.hypotheses[0].category is not CauseKind.UNKNOWN:
            return self.hypotheses[0].category
        return CauseKind.DEPLOY if self.suspect is not None else None


def _suspect(diagnosis: Diagnosis) -> SuspectDeploy | None:
    """The candidate deploy the ranking prefers; none when another kind of cause (a dependency,
    a resource...) ranks first, so the packet does not blame a deploy the evidence points away
    from. A weak deploy still beats "unknown": it is the change to look at first."""
    by_sha = {candidate.deploy.sha: candidate for candidate in diagnosis.candidates}
    for item in diagnosis.hypotheses:
        if item.subject in by_sha:
            # Strong evidence that its change cannot explain the trouble (an inert change, the
            # same error where nothing deployed, a credential it did not touch) that leaves it
            # below "unknown" clears it: a decoy is not the change to look at first.
            strong = any(c.weight >= STRONG_AGAINST for c in item.contradicts)
            cleared = strong and item.confidence < UNKNOWN_FLOOR
            return None if cleared else by_sha[item.subject]
        if item.category is not CauseKind.UNKNOWN:
            return None
    return None


def _new_errors_before(
    service: str, lines: Iterable[LogRecord], first_alert: datetime
) -> list[datetime]:
    """When the service's errors began, if shortly before its first alert (``ALERT_LEAD``): the
    first error line of a template it had not logged before. A job's run fails, then its check
    alerts a quarter of an hour later; the incident began with the failure."""
    own = sorted((r for r in lines if r.service == service), key=lambda r: r.at)
    seen: set[str] = set()
    for record in own:
        if record.at >= first_alert:
            break
        template = template_of(record.message)
        fresh = template not in seen
        seen.add(template)
        recent = record.at >= first_alert - ALERT_LEAD
        if fresh and recent and level_rank(record.level) >= level_rank("error"):
            return [record.at]
    return []


_WORD = re.compile(r"[a-z]{4,}")
_PLAIN_WORDS = frozenset(
    (
        *("error", "errors", "failed", "fails", "failure", "failing", "with", "from", "that"),
        *("this", "after", "before", "production", "service", "alert", "warning", "critical"),
        *("exception", "triggered", "firing", "while", "than", "into", "over", "above"),
    )
)
ALERT_ERROR_LEAD = timedelta(hours=2)  # the alert's own error, logged this long before it


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - _PLAIN_WORDS


def _alert_error_logged(
    service: str, lines: Iterable[LogRecord], signals: Sequence[Signal], first_alert: datetime
) -> list[datetime]:
    """When the error an alert reports was first logged by the service, if within
    ``ALERT_ERROR_LEAD`` before it: an error line sharing two or more of the alert's own words
    (``statement timeout``). A job retries for half an hour, then its error tracker alerts; the
    incident began with the first failed attempt."""
    said = [_words(f"{s.title}\n{s.description}") for s in signals if s.service == service]
    for record in sorted((r for r in lines if r.service == service), key=lambda r: r.at):
        if record.at >= first_alert:
            break
        recent = record.at >= first_alert - ALERT_ERROR_LEAD
        shared = any(len(words & _words(record.message)) >= 2 for words in said)
        if recent and shared and level_rank(record.level) >= level_rank("error"):
            return [record.at]
    return []


def _errors_between_points(
    service: str, lines: Iterable[LogRecord], spike: Spike
) -> list[datetime]:
    """A series says only that the trouble began after its last normal point: a new error
    template the service logged between that point and the first abnormal one dates it more
    closely (a job's fetch timed out at 08:51; the lag series, read every 20 minutes, shows
    it at 09:10)."""
    before = [at for at, _ in spike.series.points if at < spike.first_anomaly_at]
    if not before:
        return []
    last_normal = max(before)
    own = sorted((r for r in lines if r.service == service), key=lambda r: r.at)
    seen = {template_of(r.message) for r in own if r.at <= last_normal}
    for record in own:
        fresh = template_of(record.message) not in seen
        inside = last_normal < record.at < spike.first_anomaly_at
        if inside and fresh and level_rank(record.level) >= level_rank("error"):
            return [record.at]
    return []


def _traffic_collapsed(
    service: str, metrics: Iterable[MetricSeries], first_alert: datetime
) -> list[datetime]:
    """When the service's own request rate fell to a tenth of its level or less and stayed
    there until its first alert: requests stopped reaching it then (a route, a balancer, DNS),
    however long before anyone noticed. Read over the long look-back: a quiet evening shows
    only over hours. A fall is not a spike (those are rises), so the spikes do not see it."""
    found: list[datetime] = []
    for series in metrics:
        if series.service != service or series_kind(series.name) is not SeriesKind.TRAFFIC:
            continue
        points = [(at, value) for at, value in series.points if at <= first_alert]
        for index in range(MIN_BEFORE_COLLAPSE, len(points)):
            level = statistics.median(value for _, value in points[:index])
            after = [value for _, value in points[index:]]
            if level > 0 and max(after) <= COLLAPSE_SHARE * level:
                found.append(points[index][0])
                break
    return sorted(found)[:1]


def _exposure_onset(
    service: str, line: tuple[datetime, str], evidence: EvidenceBundle, first_seen: datetime
) -> datetime:
    """When an exposure line (its time, its text) says it began (``since 2026-09-03``,
    ``since May 1``, ``since 09:41``), if before ``first_seen``. A date without a time says
    only the day: the latest release of the service that landed that day (its change is what
    the day brought), else the day's start."""
    said_at, text = line
    stated = stated_onset(text, said_at)
    if stated is None or stated[0] >= first_seen:
        return first_seen
    onset, timed = stated
    if timed:
        return onset
    that_day = [
        d.at
        for d in evidence.deploys
        if d.service == service and onset <= d.at < onset + timedelta(days=1) and d.at < first_seen
    ]
    return max(that_day, default=onset)


def _exposure_began(
    service: str, signals: Sequence[Signal], evidence: EvidenceBundle, first_seen: datetime
) -> datetime:
    """The earliest moment the evidence dates a customer-data exposure: its first line (data
    reaching the wrong owner is the first anomaly, however long before the alert), or the
    start any line reporting it states (a scanner's "since May 1")."""
    records = (*evidence.earlier_logs, *evidence.logs)
    exposure = exposure_of(service, records, signals)
    if exposure is None:
        return first_seen
    if exposure.at is not None:
        first_seen = min(first_seen, exposure.at)
    lines = [(r.at, r.message) for r in records]
    lines += [
        (s.started_at, f"{s.title}\n{s.description}") for s in signals if s.service == service
    ]
    for line in lines:
        if exposure_in(line[1]) is not None:
            first_seen = min(first_seen, _exposure_onset(service, line, evidence, first_seen))
    return first_seen


def assess(
    service: str,
    signals: Sequence[Signal],
    evidence: EvidenceBundle,
    *,
    catalog: Catalog | None = None,
    known_templates: Iterable[str] = (),
) -> Assessment:
    """What the evidence says about ``service``: spikes in its own series (earliest first), the
    ranked hypotheses about the cause with their markers, and the deploy to suspect, chosen
    among those that landed before the first spike or, without one, before the first alert.

    ``catalog`` lets analysis follow the service's dependencies; without it none is blamed."""
    spikes = sorted(
        (
            spike
            for series in evidence.metrics
            if series.service == service and (spike := detect_spike(series)) is not None
        ),
        key=lambda spike: spike.first_anomaly_at,
    )
    first_alert = min(signal.started_at for signal in signals)
    lines = (*evidence.earlier_logs, *evidence.logs)
    # Lines date the incident only when no series of the service says when it began.
    began = (
        _errors_between_points(service, lines, spikes[0])
        if spikes
        else [
            *_new_errors_before(service, lines, first_alert),
            *_alert_error_logged(service, lines, signals, first_alert),
            *_traffic_collapsed(service, (*evidence.long_metrics, *evidence.metrics), first_alert),
        ]
    )
    first_seen = min([first_alert, *(spike.first_anomaly_at for spike in spikes), *began])
    first_seen = _exposure_began(service, signals, evidence, first_seen)
    diagnosis = diagnose(
        service=service,
        first_seen=first_seen,
        spikes=spikes,
        evidence=evidence,
        signals=signals,
        catalog=catalog if catalog is not None else Catalog(),
        known_templates=known_templates,
    )
    return Assessment(
        service=service,
        first_seen=first_seen,
        spikes=tuple(spikes),
        suspect=_suspect(diagnosis),
        hypotheses=diagnosis.hypotheses,
        markers=diagnosis.markers,
        log_clusters=diagnosis.clusters,
        candidates=diagnosis.candidates,
        signals=tuple(signals),
        demand_held=demand_held(service, (*evidence.long_metrics, *evidence.metrics)),
    )

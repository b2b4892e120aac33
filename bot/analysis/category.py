"""What kind of trouble an incident is, from its symptoms and its top-ranked cause.

The first rule that holds decides, most specific first:

1. security: the top cause is a security event, or the packet warns of customer data at risk;
2. data: the service's own alerts are about a batch job (ETL, DAG, cron job) failing, or about
   the data itself being wrong (totals that do not match, replicas that diverged, checksums)
   or stale (a table or report no longer refreshed, a freshness check failing);
3. deployment: the alert itself is the deploy failing (a GitHub deployment or workflow event)
   and the top cause is a deploy, or none of the service's own series moved (the release is
   all that is in trouble, whatever stopped it): the release is what people handle;
4. performance: the main symptom is latency (the service's first spike is a latency series,
   or one of its own alerts says latency, slow, p95/p99 or response time);
5. resource: the top cause is resource exhaustion (memory, CPU, disk, connections), unless all
   it rests on is one saturated series (a weak lead), or a load
   surge that exhausted a resource (a resource hypothesis of at least ``RESOURCE_FLOOR`` ranks
   after it: pods OOM-killed under the load);
6. deployment: the top cause is a deploy;
   performance: the top cause is a surge of load (what users feel is the service slowed or
   shedding under it);
7. availability: anything else with errors or failures (a dependency, a config or flag change,
   errors without a known cause);
8. unknown: no cause and no symptom to go by.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.analysis.spike import Spike
from bot.analysis.values import Hypothesis, RaisedMarker
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import AlertSource, Signal

__all__ = ["RESOURCE_FLOOR", "categorize"]

# A job named in words ("nightly run failed", "exited with code 2", an ETL, a DAG), not a
# service whose name happens to hold the word (``job-dispatcher``); ``-job`` ending a name is a job.
_JOB = re.compile(
    r"(?<![\w-])(?:etl|dag|airflow|cron ?job|batch job|backfill|pipeline)(?![\w-])|"
    # "job" as a word, not a monitoring label naming a scrape job ("Job: blackbox_http").
    r"(?<![\w-])job(?![\w-]|\s*[:=])|"
    r"\w-job\b|\bruns? (?:at [\d:]+ )?(?:failed|exited)|consecutive runs|run (?:[\w:-]+ )?"
    r"(?:failed|ended with exit code)|(?:exited|ended) with (?:exit )?code [1-9]|"
    r"\bexport\b.{0,40}\bfailed|hourly run|nightly run|"
    # Runs on a schedule that move data: "scheduled sync jobs", "extract jobs", "syncs failing".
    r"\bscheduled (?:\w+ ){0,2}(?:jobs?|runs?|syncs?|exports?|imports?|extracts?)\b|"
    r"\b(?:sync|export|import|extract|ingest(?:ion)?|load) jobs?\b|\bsyncs? (?:are )?fail",
    re.I,
)
RESOURCE_FLOOR = 0.5
# The data itself is wrong: what a consistency check, a checksum or a reconciliation reports.
_WRONG_DATA = re.compile(
    r"mismatch|inconsisten|diverge|checksum|out of sync|reconcil\w* (?:failed|error)|"
    r"(?:totals?|counts?|balances?) (?:differ|disagree|do not match)|"
    # Data that stopped being refreshed: a table, a dataset or a report gone stale.
    r"(?:data|tables?|datasets?|reports?|dashboards?|figures|feeds?|snapshots?|warehouse|"
    r"partitions?)\b.{0,30}\b(?:stale|out of date|not (?:been )?(?:updated|refreshed|loaded))|"
    r"\bstale (?:data|tables?|datasets?|reports?|figures|numbers|feeds?|partitions?)|"
    r"data freshness|freshness (?:sla|check|alert|lag|breach)",
    re.I,
)
_LATENCY = re.compile(r"latency|\bp9[59]\b|\bslow\b|response[ _]time|duration", re.I)


def _latency_symptom(service: str, signals: Sequence[Signal], spikes: Sequence[Spike]) -> bool:
    if spikes and _LATENCY.search(spikes[0].series.name):
        return True
    return any(_LATENCY.search(signal.title) for signal in signals if signal.service == service)


def _resource_symptom(cause: CauseKind, hypotheses: Sequence[Hypothesis]) -> bool:
    top = hypotheses[0] if hypotheses else None
    if top is None:
        return False
    if cause is CauseKind.RESOURCE:
        # One saturated series and nothing else (no alert, line, pod or trend saying a resource
        # ran out) is a lead, not what the incident is: users see an outage or slowness.
        lone = len(top.supports) == 1 and top.supports[0].ref.startswith("metric:")
        return not (lone and top.confidence < RESOURCE_FLOOR)
    exhausted = any(
        h.category is CauseKind.RESOURCE and h.confidence >= RESOURCE_FLOOR for h in hypotheses
    )
    return cause is CauseKind.TRAFFIC and exhausted


def categorize(
    *,
    service: str,
    signals: Sequence[Signal],
    spikes: Sequence[Spike],
    hypotheses: Sequence[Hypothesis],
    markers: Sequence[RaisedMarker],
) -> IncidentCategory:
    """The incident's category by the rules above."""
    cause = hypotheses[0].category if hypotheses else CauseKind.UNKNOWN
    if cause is CauseKind.SECURITY or any(m.marker is Marker.CUSTOMER_DATA for m in markers):
        return IncidentCategory.SECURITY
    own = [f"{s.title}\n{s.description}" for s in signals if s.service == service]
    if any(_JOB.search(text) or _WRONG_DATA.search(text) for text in own):
        return IncidentCategory.DATA
    deploy_event = any(s.source is AlertSource.GITHUB for s in signals if s.service == service)
    if deploy_event and (cause is CauseKind.DEPLOY or not spikes):
        return IncidentCategory.DEPLOYMENT
    if _latency_symptom(service, signals, spikes):
        return IncidentCategory.PERFORMANCE
    if _resource_symptom(cause, hypotheses):
        return IncidentCategory.RESOURCE
    if cause is CauseKind.DEPLOY:
        return IncidentCategory.DEPLOYMENT
    if cause is CauseKind.TRAFFIC:
        return IncidentCategory.PERFORMANCE
    if cause is not CauseKind.UNKNOWN or signals or spikes:
        return IncidentCategory.AVAILABILITY
    return IncidentCategory.UNKNOWN

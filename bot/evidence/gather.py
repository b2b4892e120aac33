"""Gathering evidence from every configured source at once, each with a deadline.

A source that fails or is late never blocks the packet: it becomes a :class:`SourceFailure`
that the packet shows as "unavailable: reason". Given a :class:`LateWatch`, a late source is
not cancelled but left to answer in the background (``bot.evidence.late``), and an answer it gave
late for the same incident is used instead of asking it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar, cast

from bot.errors import SourceUnavailableError
from bot.evidence.late import LateWatch
from bot.evidence.ports import (
    CalendarSource,
    ChangeSource,
    ClusterSource,
    DeploySource,
    EvidenceQuery,
    FlagSource,
    HistorySource,
    LogSource,
    MetricsSource,
    MonitorSource,
    TraceSource,
)
from bot.evidence.values import (
    ClusterState,
    CodeChange,
    EvidenceBundle,
    FlagChange,
    MonitorState,
    SourceFailure,
    TraceSpan,
)

__all__ = ["EvidenceSources", "gather_evidence"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


S = TypeVar("S", bound=_Named)


@dataclass(frozen=True, slots=True)
class EvidenceSources:
    deploys: Sequence[DeploySource] = ()
    metrics: Sequence[MetricsSource] = ()
    logs: Sequence[LogSource] = ()
    cluster: Sequence[ClusterSource] = ()
    flags: Sequence[FlagSource] = ()
    calendar: Sequence[CalendarSource] = ()
    traces: Sequence[TraceSource] = ()
    changes: Sequence[ChangeSource] = ()
    monitors: Sequence[MonitorSource] = ()
    history: Sequence[HistorySource] = ()


async def _state(source: ClusterSource, query: EvidenceQuery) -> Sequence[ClusterState]:
    return (await source.cluster(query),)


async def _monitor_state(source: MonitorSource, monitor_id: str) -> Sequence[MonitorState]:
    return (await source.monitor(monitor_id),)


async def _ask(
    kind: str,
    name: str,
    call: Callable[[], Awaitable[Sequence[T]]],
    deadline: float,
    late: LateWatch | None,
) -> Sequence[T] | SourceFailure:
    if late is not None:
        kept = late.answer(kind, name)
        if kept is not None:
            return cast(Sequence[T], kept)
    asked = asyncio.ensure_future(call())
    try:
        done, _ = await asyncio.wait({asked}, timeout=deadline)
    except asyncio.CancelledError:
        asked.cancel()
        raise
    if not done:
        if late is None or not late.keep(
            kind, name, cast("asyncio.Future[Sequence[object]]", asked)
        ):
            asked.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await asked
        return SourceFailure(name, f"no answer within {deadline:g}s")
    try:
        return asked.result()
    except SourceUnavailableError as exc:
        return SourceFailure(name, exc.reason)
    except Exception as exc:
        # A source's bug must not cost the packet: it is logged with its traceback and shown.
        log.exception("evidence source %s failed", name)
        return SourceFailure(name, f"internal error ({type(exc).__name__})")


async def _collect(
    calls: Sequence[Awaitable[Sequence[T] | SourceFailure]],
) -> tuple[tuple[T, ...], tuple[SourceFailure, ...]]:
    answers = await asyncio.gather(*calls)
    items: list[T] = []
    failures: list[SourceFailure] = []
    for answer in answers:
        if isinstance(answer, SourceFailure):
            failures.append(answer)
        else:
            items.extend(answer)
    return tuple(items), tuple(failures)


def _in_order_of_time(changes: Sequence[FlagChange]) -> tuple[FlagChange, ...]:
    """Oldest first; a change two sources both report is kept once."""
    return tuple(sorted(dict.fromkeys(changes), key=lambda change: change.at))


def _spans_in_order(spans: Sequence[TraceSpan]) -> tuple[TraceSpan, ...]:
    """Oldest first, each span once. Identical spans are folded: two sources reporting the same
    call is likelier than two calls alike to the millisecond."""
    return tuple(sorted(dict.fromkeys(spans), key=lambda span: span.at))


def _changes_in_order(changes: Sequence[CodeChange]) -> tuple[CodeChange, ...]:
    """Oldest first; a commit two sources both report is kept once, as the first one said it."""
    by_sha: dict[str, CodeChange] = {}
    for change in changes:
        by_sha.setdefault(change.sha, change)
    return tuple(sorted(by_sha.values(), key=lambda change: change.at))


async def gather_evidence(
    query: EvidenceQuery,
    sources: EvidenceSources,
    *,
    deadline: float,
    deploy_query: EvidenceQuery | None = None,
    long_query: EvidenceQuery | None = None,
    log_query: EvidenceQuery | None = None,
    late: LateWatch | None = None,
    monitor_ids: Sequence[str] = (),
) -> EvidenceBundle:
    """Ask every source concurrently; answers that miss ``deadline`` seconds become failures.
    Flag changes, trace spans and code changes come oldest first and change windows by start,
    each reported once however many sources know it.

    Deploys may be asked over a longer ``deploy_query`` window: the deploy before the suspect is
    what a rollback would go back to, and it may have landed days earlier.

    ``long_query``: the same metrics are asked a second time over this longer window (a source
    answers a long window at a coarser resolution, so the packet's own window keeps its fine
    one for change detection) and kept as ``long_metrics``; flag changes and change windows are
    asked over it once (those before ``query``'s window kept in ``earlier_flags``).
    ``log_query``: lines from its start up to ``query``'s window are asked separately and kept
    as ``earlier_logs`` (a log source's page of lines for the window is never crowded out by
    older ones): a trend over days, the normal level before a release, a first exposure hours
    back.

    ``late``: keep waiting for late sources in the background, and use what they answered late
    for this incident before.

    ``monitor_ids``: the monitors behind the incident's alerts, each asked of every monitor
    source; an id no source could read is listed in ``monitors_unread``."""
    deploys_asked = deploy_query or query
    longer = long_query or query
    earlier = (
        EvidenceQuery(query.service, log_query.since, query.since, query.namespace)
        if log_query is not None and log_query.since < query.since
        else None
    )

    def ask(
        kind: str, asked: Sequence[S], call: Callable[[S], Awaitable[Sequence[T]]]
    ) -> Awaitable[tuple[tuple[T, ...], tuple[SourceFailure, ...]]]:
        return _collect([_ask(kind, s.name, partial(call, s), deadline, late) for s in asked])

    # In groups: asyncio.gather is typed for at most six awaitables at once.
    (
        (
            (deploys, deploy_failures),
            (metrics, metric_failures),
            (logs, log_failures),
            (states, cluster_failures),
            (flags, flag_failures),
            (windows, calendar_failures),
        ),
        (spans, trace_failures),
        (changes, change_failures),
        (monitors, monitor_failures),
        (
            (long_metrics, long_metric_failures),
            (earlier_logs, earlier_log_failures),
            (history, history_failures),
        ),
    ) = await asyncio.gather(
        asyncio.gather(
            ask("deploys", sources.deploys, lambda s: s.deploys(deploys_asked)),
            ask("metrics", sources.metrics, lambda s: s.metrics(query)),
            ask("logs", sources.logs, lambda s: s.logs(query)),
            ask("cluster", sources.cluster, lambda s: _state(s, query)),
            ask("flags", sources.flags, lambda s: s.flag_changes(longer)),
            ask("calendar", sources.calendar, lambda s: s.change_windows(longer)),
        ),
        ask("traces", sources.traces, lambda s: s.traces(query)),
        ask("changes", sources.changes, lambda s: s.changes(query)),
        _collect(
            [
                _ask(f"monitor:{i}", s.name, partial(_monitor_state, s, i), deadline, late)
                for i in dict.fromkeys(monitor_ids)
                for s in sources.monitors
            ]
        ),
        asyncio.gather(
            ask("metrics:long", sources.metrics if long_query else (), lambda s: s.metrics(longer)),
            ask(
                "logs:earlier", sources.logs if earlier else (), lambda s: s.logs(earlier or query)
            ),
            ask("history", sources.history, lambda s: s.past_incidents(query)),
        ),
    )
    cluster = ClusterState()
    for state in states:
        cluster = cluster.merged(state)
    return EvidenceBundle(
        deploys=deploys,
        metrics=metrics,
        logs=logs,
        long_metrics=long_metrics,
        earlier_logs=tuple(line for line in earlier_logs if line.at < query.since),
        cluster=cluster,
        flags=_in_order_of_time([f for f in flags if f.at >= query.since]),
        earlier_flags=_in_order_of_time([f for f in flags if f.at < query.since]),
        calendar=tuple(sorted(dict.fromkeys(windows), key=lambda window: window.start)),
        traces=_spans_in_order(spans),
        changes=_changes_in_order(changes),
        monitors=monitors,
        monitors_unread=tuple(
            i
            for i in dict.fromkeys(monitor_ids)
            if sources.monitors and all(m.monitor_id != i for m in monitors)
        ),
        history=history,
        # One source serving several kinds (GitHub: deploys and changes) that fails for one
        # reason is named once.
        unavailable=tuple(
            dict.fromkeys(
                deploy_failures
                + metric_failures
                + log_failures
                + cluster_failures
                + flag_failures
                + calendar_failures
                + trace_failures
                + change_failures
                + monitor_failures
                + long_metric_failures
                + earlier_log_failures
                + history_failures
            )
        ),
        deploys_checked=len(deploy_failures) < len(sources.deploys),
    )

"""Gathering evidence from every configured source at once, each with a deadline.

A source that fails or is late never blocks the packet: it becomes a :class:`SourceFailure`
that the packet shows as "unavailable: reason".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import SourceUnavailableError
from bot.evidence.ports import (
    CalendarSource,
    ClusterSource,
    DeploySource,
    EvidenceQuery,
    FlagSource,
    LogSource,
    MetricsSource,
)
from bot.evidence.values import (
    ClusterState,
    EvidenceBundle,
    FlagChange,
    SourceFailure,
)

__all__ = ["EvidenceSources", "gather_evidence"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class EvidenceSources:
    deploys: Sequence[DeploySource] = ()
    metrics: Sequence[MetricsSource] = ()
    logs: Sequence[LogSource] = ()
    cluster: Sequence[ClusterSource] = ()
    flags: Sequence[FlagSource] = ()
    calendar: Sequence[CalendarSource] = ()


async def _state(source: ClusterSource, query: EvidenceQuery) -> Sequence[ClusterState]:
    return (await source.cluster(query),)


async def _ask(
    name: str, call: Awaitable[Sequence[T]], deadline: float
) -> Sequence[T] | SourceFailure:
    try:
        return await asyncio.wait_for(call, timeout=deadline)
    except TimeoutError:
        return SourceFailure(name, f"no answer within {deadline:g}s")
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


async def gather_evidence(
    query: EvidenceQuery,
    sources: EvidenceSources,
    *,
    deadline: float,
    deploy_query: EvidenceQuery | None = None,
) -> EvidenceBundle:
    """Ask every source concurrently; answers that miss ``deadline`` seconds become failures.
    Flag changes come oldest first and change windows by start, each reported once however
    many sources know it.

    Deploys may be asked over a longer ``deploy_query`` window: the deploy before the suspect is
    what a rollback would go back to, and it may have landed days earlier."""
    deploys_asked = deploy_query or query
    (
        (deploys, deploy_failures),
        (metrics, metric_failures),
        (logs, log_failures),
        (states, cluster_failures),
        (flags, flag_failures),
        (windows, calendar_failures),
    ) = await asyncio.gather(
        _collect([_ask(s.name, s.deploys(deploys_asked), deadline) for s in sources.deploys]),
        _collect([_ask(s.name, s.metrics(query), deadline) for s in sources.metrics]),
        _collect([_ask(s.name, s.logs(query), deadline) for s in sources.logs]),
        _collect([_ask(s.name, _state(s, query), deadline) for s in sources.cluster]),
        _collect([_ask(s.name, s.flag_changes(query), deadline) for s in sources.flags]),
        _collect([_ask(s.name, s.change_windows(query), deadline) for s in sources.calendar]),
    )
    cluster = ClusterState()
    for state in states:
        cluster = cluster.merged(state)
    return EvidenceBundle(
        deploys=deploys,
        metrics=metrics,
        logs=logs,
        cluster=cluster,
        flags=_in_order_of_time(flags),
        calendar=tuple(sorted(dict.fromkeys(windows), key=lambda window: window.start)),
        unavailable=(
            deploy_failures
            + metric_failures
            + log_failures
            + cluster_failures
            + flag_failures
            + calendar_failures
        ),
        deploys_checked=len(deploy_failures) < len(sources.deploys),
    )

"""What traces say about a service's calls to its downstreams.

Logs name a dependency only when someone wrote its name into the error; a trace names it always.
Every span of the service that called a downstream in the incident window is counted, per
downstream: how many calls failed (a 5xx code, or a word other than a success or a caller's
mistake: ``error``, ``ECONNREFUSED``, ``DEADLINE_EXCEEDED``) and how many were slow. A
downstream whose calls fail or crawl is evidence for "this dependency is failing"; one whose
calls all came back fine is evidence against it.

Pure: the cause detectors in :mod:`bot.analysis.detectors` turn these counts into citations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.evidence.values import TraceSpan

__all__ = [
    "BAD_SHARE",
    "HEALTHY_MIN_CALLS",
    "SLOW_CALL_MS",
    "DownstreamCalls",
    "call_failed",
    "downstream_calls",
]

SLOW_CALL_MS = 1000.0  # a call to a dependency taking a second or more is slow for any request
BAD_SHARE = 0.2  # from a fifth of the calls failing or slow, the downstream is in trouble
HEALTHY_MIN_CALLS = 2  # fewer healthy calls than this prove little
_SUCCESS = frozenset({"ok", "unset", "success", "succeeded", "complete", "completed"})
# gRPC codes that blame the caller's request, not the callee's health.
_CALLER_MISTAKE = frozenset(
    {
        "cancelled",
        "invalid_argument",
        "not_found",
        "already_exists",
        "permission_denied",
        "unauthenticated",
        "failed_precondition",
        "out_of_range",
    }
)


def call_failed(status: str) -> bool:
    """Whether a span's status says the callee failed: an HTTP code of 500 or more, or a word
    that is neither a success nor the caller's own mistake. A 4xx blames the request."""
    word = status.strip().lower()
    if word.isdigit():
        return int(word) >= 500
    return bool(word) and word not in _SUCCESS and word not in _CALLER_MISTAKE


@dataclass(frozen=True, slots=True)
class DownstreamCalls:
    """The service's calls to one downstream in the window, counted."""

    downstream: str
    calls: int
    failed: int
    slow: int  # calls that did not fail but took SLOW_CALL_MS or more
    statuses: tuple[str, ...]  # the failed calls' statuses, commonest first
    first_bad_at: datetime | None  # the first call that failed or was slow
    slowest_ms: float

    @property
    def bad(self) -> int:
        return self.failed + self.slow

    @property
    def in_trouble(self) -> bool:
        """At least :data:`BAD_SHARE` of the calls failed or were slow."""
        return self.bad > 0 and self.bad >= BAD_SHARE * self.calls

    @property
    def healthy(self) -> bool:
        """Enough calls to judge, and none failed or was slow."""
        return self.bad == 0 and self.calls >= HEALTHY_MIN_CALLS

    def describe(self) -> str:
        """``traces: 41 of 50 calls to ledger-db failed (status 503) since 14:02``, or the same
        for slow calls, or ``traces: all 12 calls to ledger-db succeeded``."""
        if self.bad == 0:
            return f"traces: all {self.calls} calls to {self.downstream} succeeded"
        since = f" since {self.first_bad_at:%H:%M}" if self.first_bad_at is not None else ""
        parts = []
        if self.failed:
            parts.append(f"{self.failed} of {self.calls} calls to {self.downstream} failed")
            parts[-1] += f" (status {', '.join(self.statuses)})"
        if self.slow:
            slow = f"{self.slow} of {self.calls} calls" if not parts else f"{self.slow} more"
            target = f" to {self.downstream}" if not parts else ""
            parts.append(
                f"{slow}{target} took {SLOW_CALL_MS / 1000:g} s or more "
                f"(slowest {self.slowest_ms / 1000:.1f} s)"
            )
        return f"traces: {'; '.join(parts)}{since}"


def downstream_calls(
    spans: Iterable[TraceSpan], *, service: str, since: datetime
) -> dict[str, DownstreamCalls]:
    """Per downstream, the calls ``service`` made to it from ``since`` on."""
    grouped: dict[str, list[TraceSpan]] = {}
    for span in spans:
        if span.service == service and span.downstream and span.at >= since:
            grouped.setdefault(span.downstream, []).append(span)
    counted: dict[str, DownstreamCalls] = {}
    for downstream, calls in grouped.items():
        calls.sort(key=lambda span: span.at)
        failed = [span for span in calls if call_failed(span.status)]
        slow = [
            span
            for span in calls
            if not call_failed(span.status) and span.duration_ms >= SLOW_CALL_MS
        ]
        bad = sorted((*failed, *slow), key=lambda span: span.at)
        statuses = Counter(span.status.strip() for span in failed)
        counted[downstream] = DownstreamCalls(
            downstream=downstream,
            calls=len(calls),
            failed=len(failed),
            slow=len(slow),
            statuses=tuple(status for status, _ in statuses.most_common()),
            first_bad_at=bad[0].at if bad else None,
            slowest_ms=max(span.duration_ms for span in calls),
        )
    return counted

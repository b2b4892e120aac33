"""Trace spans as evidence: the replay source answers them from a scenario's ``traces``, and
``gather_evidence`` collects them like every other kind, a failing source named, not fatal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.errors import SourceUnavailableError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import TraceSpan
from bot.scenario.loader import load_scenario
from integrations.replay import ReplayEvidence

SCENARIO = """\
id: shop-db
title: shop cannot reach its database
now: "2026-03-04T14:10:00Z"
alert: {source: generic, payload: {service: shop, title: shop is down}}
traces:
  - {at: "2026-03-04T14:05:00Z", service: shop, span: "GET /cart", downstream: shop-db,
     status: 503, duration_ms: 2001}
  - {at: "2026-03-04T14:04:00Z", service: shop, span: "GET /cart", status: OK, duration_ms: 12}
  - {at: "2026-03-04T14:05:00Z", service: cart, span: "GET /", downstream: shop-db,
     status: OK, duration_ms: 3}
  - {at: "2026-03-04T11:00:00Z", service: shop, span: "GET /cart", downstream: shop-db,
     status: OK, duration_ms: 9}
expect: {service: shop}
"""
QUERY = EvidenceQuery(
    "shop",
    since=datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
    until=datetime(2026, 3, 4, 14, 10, tzinfo=UTC),
)


def replay(tmp_path: Path) -> ReplayEvidence:
    path = tmp_path / "shop-db.yaml"
    path.write_text(SCENARIO)
    return ReplayEvidence([load_scenario(path)])


async def test_replay_answers_the_services_spans_in_the_window(tmp_path: Path) -> None:
    spans = await replay(tmp_path).traces(QUERY)
    assert [(s.at.minute, s.downstream, s.status, s.duration_ms) for s in spans] == [
        (5, "shop-db", "503", 2001),
        (4, None, "OK", 12),
    ]


async def test_the_bundle_carries_spans_oldest_first_and_each_once(tmp_path: Path) -> None:
    source = replay(tmp_path)
    bundle = await gather_evidence(QUERY, EvidenceSources(traces=[source, source]), deadline=1)
    assert [(s.at.minute, s.downstream) for s in bundle.traces] == [(4, None), (5, "shop-db")]


class DownTracer:
    name = "tracer"

    async def traces(self, query: EvidenceQuery) -> tuple[TraceSpan, ...]:
        raise SourceUnavailableError("tracer", "HTTP 502 from the trace store")


async def test_a_failing_trace_source_is_named_and_the_rest_still_arrives(
    tmp_path: Path,
) -> None:
    bundle = await gather_evidence(
        QUERY, EvidenceSources(logs=[replay(tmp_path)], traces=[DownTracer()]), deadline=1
    )
    assert bundle.traces == ()
    assert [(f.source, f.reason) for f in bundle.unavailable] == [
        ("tracer", "HTTP 502 from the trace store")
    ]


class NoRepo:
    """One source serving two kinds of evidence that fails the same way for both."""

    name = "github"

    async def traces(self, query: EvidenceQuery) -> tuple[TraceSpan, ...]:
        raise SourceUnavailableError("github", "the catalog names no repo for shop")

    async def logs(self, query: EvidenceQuery) -> tuple[()]:
        raise SourceUnavailableError("github", "the catalog names no repo for shop")


async def test_one_source_failing_alike_for_two_kinds_is_named_once() -> None:
    source = NoRepo()
    bundle = await gather_evidence(
        QUERY, EvidenceSources(logs=[source], traces=[source]), deadline=1
    )
    assert [(f.source, f.reason) for f in bundle.unavailable] == [
        ("github", "the catalog names no repo for shop")
    ]

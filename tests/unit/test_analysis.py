"""Log clustering and ranked hypotheses: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.analysis.assessment import assess
from bot.analysis.hypotheses import diagnose, personal_data_in
from bot.analysis.logs import cluster_logs, template_of
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import Deploy, EvidenceBundle, LogRecord, MetricSeries
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.policy import DEFAULT_POLICY
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 4, hour, minute, second, tzinfo=UTC)


def line(when: datetime, message: str, level: str = "ERROR", count: int = 1) -> LogRecord:
    return LogRecord(when, "api", level, message, count)


def alert(service: str = "api", title: str = "api error rate above 5%") -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        service=service,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=at(14, 3),
        title=title,
        fingerprint=f"generic:{service}",
        delivery_id=f"{service}:1",
    )


ERRORS = MetricSeries(
    "api",
    "error_rate",
    "percent",
    (
        (at(13, 40), 0.3),
        (at(13, 45), 0.3),
        (at(13, 50), 0.4),
        (at(13, 55), 0.3),
        (at(14, 3), 6.0),
        (at(14, 5), 8.0),
    ),
)
CATALOG = Catalog((ServiceEntry("api", "core", depends_on=("db-replica-2", "stripe-api")),))


def test_variable_parts_fold_into_placeholders() -> None:
    folded = template_of(
        "user bob@example.com from 10.0.0.12:5432 req 3f2a1b4c-1111-2222-3333-444455556666 "
        "at 0xdeadBEEF sha 9f1c2ab took 1.5s value 0.35 'quoted' evt_1Qx7 of db-replica-2"
    )
    assert folded == (
        "user <email> from <ip> req <uuid> at <hex> sha <sha> took <duration> value <num> "
        "<str> evt_<id> of db-replica-<num>"
    )


def test_names_that_hold_digits_are_not_ids() -> None:
    assert template_of("p99_latency over utf8 sha256") == "p99_latency over utf8 sha256"


def test_lines_of_one_template_cluster_with_counts_and_times() -> None:
    clusters = cluster_logs(
        [
            line(at(14, 3, 9), "KeyError in parse (app/parser.py:88) event_id=evt_1Qy2", count=3),
            line(at(14, 3, 4), "KeyError in parse (app/parser.py:88) event_id=evt_1Qx7", count=2),
            line(at(14, 4), "slow query took 1200ms", level="WARN"),
        ]
    )
    first, second = clusters
    assert (first.count, first.first_seen, first.last_seen) == (5, at(14, 3, 4), at(14, 3, 9))
    assert first.sample.endswith("evt_1Qx7")
    assert second.template == "slow query took <duration>"


def test_templates_seen_before_the_window_or_known_are_recurring() -> None:
    clusters = cluster_logs(
        [
            line(at(13, 0), "slow query took 900ms", count=4),
            line(at(14, 4), "slow query took 1200ms"),
            line(at(14, 4), "disk almost full", level="WARN"),
            line(at(14, 5), "brand new failure 7"),
        ],
        window_start=at(14, 0),
        known_templates=["disk almost full"],
    )
    by_template = {c.template: c for c in clusters}
    assert by_template["slow query took <duration>"].history_count == 4
    assert not by_template["slow query took <duration>"].new
    assert not by_template["disk almost full"].new
    assert by_template["brand new failure <num>"].new


def test_clustering_is_deterministic_whatever_the_input_order() -> None:
    records = [line(at(14, m % 50), f"failure {m % 3} on node-{m}") for m in range(200)]
    assert cluster_logs(records) == cluster_logs(list(reversed(records)))


def test_a_hundred_thousand_lines_cluster_into_their_templates() -> None:
    records = [
        line(at(14, 0), f"request {n} failed for user_{n}x9z after {n}ms") for n in range(100_000)
    ]
    clusters = cluster_logs(records)
    assert len(clusters) == 1
    assert clusters[0].count == 100_000


def test_a_deploy_whose_file_appears_in_new_errors_ranks_first() -> None:
    deploy = Deploy("api", "9f1c2ab", at(13, 52), pr=48, files=("app/parser.py",))
    earlier = Deploy("api", "51d0e7c", at(9, 0))
    evidence = EvidenceBundle(
        deploys=(earlier, deploy),
        metrics=(ERRORS,),
        logs=(line(at(14, 3), "KeyError in parse_event (app/parser.py:88)", count=40),),
        deploys_checked=True,
    )
    assessment = assess("api", [alert()], evidence, catalog=CATALOG)
    top = assessment.hypotheses[0]
    assert (top.category, top.subject) == (CauseKind.DEPLOY, "9f1c2ab")
    assert "deploy:9f1c2ab" in top.refs
    assert any("app/parser.py" in c.text for c in top.supports)
    assert top.confidence > 0.8
    assert assessment.markers == ()


def test_several_deploys_are_ranked_and_said_so() -> None:
    older = Deploy("api", "a41c09e", at(13, 20), files=("app/parser.py",))
    newer = Deploy("api", "7be2f5d", at(13, 58), files=("app/views.py",))
    evidence = EvidenceBundle(
        deploys=(older, newer),
        metrics=(ERRORS,),
        logs=(line(at(14, 3), "KeyError in parse_event (app/parser.py:88)"),),
        deploys_checked=True,
    )
    assessment = assess("api", [alert()], evidence, catalog=CATALOG)
    deploys = [h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY]
    assert [h.subject for h in deploys] == ["7be2f5d", "a41c09e"]
    assert "1 of 2 deploys in the 2 hours before" in deploys[0].statement
    assert "2 of 2 deploys in the 2 hours before" in deploys[1].statement
    assert any("app/parser.py" in c.text for c in deploys[1].supports)
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "7be2f5d"


def test_errors_naming_a_failing_dependency_blame_it_and_no_deploy() -> None:
    evidence = EvidenceBundle(
        logs=(line(at(14, 2), "connection timeout to source DB replica-2 after 30000ms"),),
        deploys_checked=True,
    )
    assessment = assess("api", [alert()], evidence, catalog=CATALOG)
    top = assessment.hypotheses[0]
    assert (top.category, top.subject) == (CauseKind.DEPENDENCY, "db-replica-2")
    assert assessment.suspect is None


def test_a_recurring_log_line_counts_less_than_a_new_one() -> None:
    old = "connection timeout to source DB replica-2 after 30000ms"
    recurring = EvidenceBundle(logs=(line(at(12, 0), old), line(at(14, 2), old)))
    fresh = EvidenceBundle(logs=(line(at(14, 2), old),))
    weak = assess("api", [alert()], recurring, catalog=CATALOG).hypotheses[0]
    strong = assess("api", [alert()], fresh, catalog=CATALOG).hypotheses[0]
    assert weak.category is CauseKind.DEPENDENCY
    assert weak.confidence < strong.confidence
    assert any("recurring" in c.text for c in weak.supports)


def test_nothing_to_go_on_is_unknown_with_low_confidence() -> None:
    assessment = assess("api", [alert()], EvidenceBundle(deploys_checked=True), catalog=CATALOG)
    assert assessment.hypotheses[0].category is CauseKind.UNKNOWN
    assert [m.marker for m in assessment.markers] == [Marker.LOW_CONFIDENCE]


def test_a_traffic_series_spike_is_a_surge() -> None:
    requests = MetricSeries("api", "requests_per_second", None, ERRORS.points)
    assessment = assess("api", [alert()], EvidenceBundle(metrics=(requests,)), catalog=CATALOG)
    assert assessment.hypotheses[0].category is CauseKind.TRAFFIC


def test_out_of_memory_lines_are_resource_exhaustion() -> None:
    evidence = EvidenceBundle(logs=(line(at(14, 2), "container killed: OOMKilled"),))
    top = assess("api", [alert()], evidence, catalog=CATALOG).hypotheses[0]
    assert (top.category, top.subject) == (CauseKind.RESOURCE, "memory")


def test_a_security_alert_raises_customer_data() -> None:
    signal = alert(title="admin token used from an unknown network: suspicious export")
    assessment = assess("api", [signal], EvidenceBundle(), catalog=CATALOG)
    assert assessment.hypotheses[0].category is CauseKind.SECURITY
    assert Marker.CUSTOMER_DATA in [m.marker for m in assessment.markers]


def test_personal_data_in_error_lines_raises_customer_data() -> None:
    assert personal_data_in("card 4111 1111 1111 1111 for a@b.io") == ("email", "card number")
    assert personal_data_in("order 1234567890123 failed") == ()
    evidence = EvidenceBundle(logs=(line(at(14, 2), "invalid contact jane@example.com"),))
    markers = assess("api", [alert()], evidence, catalog=CATALOG).markers
    assert Marker.CUSTOMER_DATA in [m.marker for m in markers]


def test_a_deploy_with_a_migration_is_an_unsafe_rollback() -> None:
    deploy = Deploy("api", "3e7f9d2a", at(13, 58), has_migration=True)
    earlier = Deploy("api", "1111111", at(9, 0))
    evidence = EvidenceBundle(deploys=(earlier, deploy), metrics=(ERRORS,), deploys_checked=True)
    markers = assess("api", [alert()], evidence, catalog=CATALOG).markers
    reasons = {m.marker: m.reason for m in markers}
    assert "database migration" in reasons[Marker.UNSAFE_ROLLBACK]


def test_series_measuring_the_same_thing_that_disagree_conflict() -> None:
    flat = MetricSeries(
        "api", "synthetic_error_rate", "percent", tuple((t, 0.3) for t, _ in ERRORS.points)
    )
    markers = assess("api", [alert()], EvidenceBundle(metrics=(ERRORS, flat))).markers
    assert Marker.CONFLICTING_SIGNALS in [m.marker for m in markers]


def test_the_packet_shows_causes_and_warnings_in_words() -> None:
    deploy = Deploy("api", "3e7f9d2a", at(13, 58), has_migration=True)
    evidence = EvidenceBundle(deploys=(deploy,), metrics=(ERRORS,), deploys_checked=True)
    signals = [alert()]
    packet = build_packet(
        incident_id=1,
        title="t",
        severity=Severity.SEV2,
        signals=signals,
        assessment=assess("api", signals, evidence, catalog=CATALOG),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )
    text = render_plain(packet)
    assert "Likely cause:\n- Regression from deploy 3e7f9d2a" in text
    assert "- Rollback may be unsafe: deploy 3e7f9d2a carries a database migration" in text


def test_diagnose_always_ends_with_a_ranked_unknown_floor() -> None:
    diagnosis = diagnose(
        service="api",
        first_seen=at(14, 3),
        spikes=(),
        evidence=EvidenceBundle(),
        signals=[alert()],
        catalog=CATALOG,
    )
    assert [h.category for h in diagnosis.hypotheses] == [CauseKind.UNKNOWN]
    assert diagnosis.top.confidence == 0.15


def test_a_deploy_that_changed_only_docs_is_not_blamed_over_one_that_changed_code() -> None:
    older = Deploy("api", "a41c09e", at(13, 20), files=("app/parser.py",))
    newer = Deploy("api", "7be2f5d", at(13, 58), files=("README.md", "docs/api.md"))
    evidence = EvidenceBundle(
        deploys=(older, newer),
        metrics=(ERRORS,),
        logs=(line(at(14, 3), "KeyError in parse_event (app/parser.py:88)"),),
        deploys_checked=True,
    )
    assessment = assess("api", [alert()], evidence, catalog=CATALOG)
    deploys = [h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY]
    assert [h.subject for h in deploys] == ["a41c09e", "7be2f5d"]
    assert any("only docs, tests or copy" in c.text for c in deploys[1].contradicts)

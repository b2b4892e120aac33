"""Flag changes, the change calendar, certificates and the incident's category: what the
analysis concludes from each, and what the packet suggests because of it."""

from __future__ import annotations

from datetime import timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import (
    ChangeWindow,
    ChangeWindowKind,
    Deploy,
    EvidenceBundle,
    FlagChange,
    MetricSeries,
)
from bot.packet.build import build_packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.loader import load_runbooks
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import Severity
from tests.unit.test_analysis import ERRORS, alert, at, line

RUNBOOKS = load_runbooks()


def test_a_flag_change_just_before_is_the_cause_and_turning_it_off_is_suggested() -> None:
    evidence = EvidenceBundle(
        metrics=(ERRORS,),
        flags=(FlagChange(at(13, 55), "new-checkout", "off -> on for 100%", "api"),),
        deploys_checked=True,
    )
    signals = [alert()]
    assessment = assess("api", signals, evidence)
    top = assessment.hypotheses[0]
    assert (top.category, top.subject) == (CauseKind.FLAG, "new-checkout")
    assert "flag:new-checkout" in top.refs
    packet = build_packet(
        incident_id=1,
        title="t",
        severity=Severity.SEV2,
        signals=signals,
        assessment=assessment,
        evidence=evidence,
        catalog=Catalog(),
        policy=DEFAULT_POLICY,
        runbooks=(),
    )
    flag_off = [a for a in packet.actions if a.kind is ActionKind.FLAG_OFF]
    assert [a.text for a in flag_off] == ["Turn off feature flag new-checkout"]
    assert flag_off[0].requires_approval


def test_a_flag_of_another_service_or_long_before_is_no_cause() -> None:
    evidence = EvidenceBundle(
        metrics=(ERRORS,),
        flags=(
            FlagChange(at(13, 55), "other", "on", "checkout"),
            FlagChange(at(9, 0), "old", "on", "api"),
        ),
    )
    categories = [h.category for h in assess("api", [alert()], evidence).hypotheses]
    assert CauseKind.FLAG not in categories


def test_a_freeze_covering_the_start_raises_change_freeze_and_maintenance_does_not() -> None:
    freeze = ChangeWindow(
        at(0, 0), at(0, 0) + timedelta(days=2), ChangeWindowKind.FREEZE, (), "quarter close"
    )
    maintenance = ChangeWindow(at(13, 0), at(15, 0), ChangeWindowKind.MAINTENANCE, ("api",))
    frozen = assess("api", [alert()], EvidenceBundle(metrics=(ERRORS,), calendar=(freeze,)))
    reasons = {m.marker: m.reason for m in frozen.markers}
    assert "quarter close" in reasons[Marker.CHANGE_FREEZE]
    planned = assess("api", [alert()], EvidenceBundle(metrics=(ERRORS,), calendar=(maintenance,)))
    assert Marker.CHANGE_FREEZE not in [m.marker for m in planned.markers]
    elsewhere = ChangeWindow(freeze.start, freeze.end, ChangeWindowKind.FREEZE, ("checkout",))
    other = assess("api", [alert()], EvidenceBundle(metrics=(ERRORS,), calendar=(elsewhere,)))
    assert Marker.CHANGE_FREEZE not in [m.marker for m in other.markers]


def test_a_certificate_failure_in_the_alert_is_a_config_cause() -> None:
    signals = [alert(title="uploads rejected: certificate verify failed")]
    assessment = assess("api", signals, EvidenceBundle())
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.category is IncidentCategory.AVAILABILITY


def test_categories_follow_the_symptom_then_the_cause() -> None:
    latency = MetricSeries(
        "api", "p99_latency", "ms", tuple((t, v * 100) for t, v in ERRORS.points)
    )
    deploy = Deploy("api", "9f1c2ab", at(13, 55))
    by_latency = assess(
        "api",
        [alert()],
        EvidenceBundle(deploys=(deploy,), metrics=(latency,), deploys_checked=True),
    )
    assert by_latency.cause is CauseKind.DEPLOY
    assert by_latency.category is IncidentCategory.PERFORMANCE
    by_deploy = assess(
        "api", [alert()], EvidenceBundle(deploys=(deploy,), metrics=(ERRORS,), deploys_checked=True)
    )
    assert by_deploy.category is IncidentCategory.DEPLOYMENT
    job = assess("api", [alert(title="ETL job nightly_load failed")], EvidenceBundle())
    assert job.category is IncidentCategory.DATA
    # Another service's alert in the incident does not make this one a batch job.
    mixed = assess("api", [alert(), alert("payouts", "payouts job failures 38%")], EvidenceBundle())
    assert mixed.category is not IncidentCategory.DATA


def test_a_tier_one_sev2_gets_a_status_update_and_the_runbook_actions_the_evidence_allows() -> None:
    catalog = Catalog((ServiceEntry("api", "core", tier=1),))
    deploy = Deploy("api", "9f1c2ab", at(13, 55))
    evidence = EvidenceBundle(deploys=(deploy,), metrics=(ERRORS,), deploys_checked=True)
    signals = [alert(title="api error rate above 5% after deploy")]

    def kinds(severity: Severity, catalog: Catalog) -> list[ActionKind | None]:
        packet = build_packet(
            incident_id=1,
            title="t",
            severity=severity,
            signals=signals,
            assessment=assess("api", signals, evidence, catalog=catalog),
            evidence=evidence,
            catalog=catalog,
            policy=DEFAULT_POLICY,
            runbooks=RUNBOOKS,
        )
        assert packet.runbook is not None
        assert packet.runbook.id == "deploy-rollback"
        return [action.kind for action in packet.actions]

    urgent = kinds(Severity.SEV2, catalog)
    assert ActionKind.STATUS_UPDATE in urgent
    assert urgent.count(ActionKind.ROLLBACK) == 1  # the evidence's and the runbook's, once
    assert ActionKind.FLAG_OFF not in urgent  # the runbook proposes it; no flag changed
    assert ActionKind.STATUS_UPDATE not in kinds(Severity.SEV3, catalog)
    assert ActionKind.STATUS_UPDATE not in kinds(
        Severity.SEV2, Catalog((ServiceEntry("api", "core", tier=2),))
    )


def test_the_packet_leaves_out_runners_up_too_weak_to_be_leads() -> None:
    catalog = Catalog((ServiceEntry("api", "core", depends_on=("stripe-api",)),))
    deploy = Deploy("api", "9f1c2ab", at(13, 55), files=("app/parser.py",))
    logs = (
        line(at(14, 4), "KeyError in parse (app/parser.py:88)"),
        line(at(14, 4), "stripe-api request failed"),  # a weak hint at the dependency
    )
    evidence = EvidenceBundle(deploys=(deploy,), metrics=(ERRORS,), logs=logs, deploys_checked=True)
    signals = [alert()]
    assessment = assess("api", signals, evidence, catalog=catalog)
    weak = [h for h in assessment.hypotheses[1:] if h.confidence < 0.25]
    assert CauseKind.DEPENDENCY in [h.category for h in weak]
    packet = build_packet(
        incident_id=1,
        title="t",
        severity=Severity.SEV2,
        signals=signals,
        assessment=assessment,
        evidence=evidence,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )
    assert packet.causes[0].startswith(assessment.hypotheses[0].statement)
    for hypothesis in weak:
        assert not any(line.startswith(hypothesis.statement) for line in packet.causes)
    assert all(float(line.rsplit(" ", 1)[-1].rstrip(")")) >= 0.25 for line in packet.causes)

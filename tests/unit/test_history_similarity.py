"""Similar past incidents: which match and why, their order, and the remedies they prove."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.evidence.values import EvidenceBundle
from bot.history.section import describe_duration, favour_remedies, similar_line
from bot.history.similarity import compare, similar_incidents
from bot.history.values import IncidentFacts, PastIncident, Remedy
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import SuggestedAction
from bot.policy import DEFAULT_POLICY
from bot.runbook.loader import load_runbooks
from bot.scenario.terms import CauseKind
from bot.signal.values import Severity
from tests.unit.test_packet import CATALOG, ERROR_RATE, OLDER_DEPLOY, PARSER_DEPLOY, signal


def day(number: int) -> datetime:
    return datetime(2026, 3, number, 9, 0, tzinfo=UTC)


FACTS = IncidentFacts(
    service="orders-consumer",
    fingerprints=frozenset({"alertmanager:consumer-down"}),
    cause=CauseKind.DEPENDENCY,
    cause_subject="orders-queue",
    templates=frozenset({"log:aaaaaaaaaa"}),
    dependencies=frozenset({"orders-queue"}),
)


def past(**values: object) -> PastIncident:
    fields: dict[str, object] = {
        "service": "orders-consumer",
        "title": "Consumer down",
        "opened_at": day(12),
        "resolved_at": day(12) + timedelta(minutes=6),
        "time_to_resolve": timedelta(minutes=6),
        "incident_id": 12,
    }
    fields.update(values)
    return PastIncident(**fields)  # type: ignore[arg-type]


def test_the_same_alert_of_the_same_service_is_similar_and_says_so() -> None:
    found = compare(FACTS, past(fingerprint="alertmanager:consumer-down"))
    assert found is not None
    assert found.matched == ("same service and alert (fingerprint)",)


def test_a_past_incident_with_a_different_known_cause_is_never_similar() -> None:
    same_alert_other_cause = past(
        fingerprint="alertmanager:consumer-down",
        templates=frozenset({"log:aaaaaaaaaa"}),
        cause=CauseKind.DEPLOY,
    )
    other_dependency = past(
        fingerprint="alertmanager:consumer-down",
        cause=CauseKind.DEPENDENCY,
        cause_subject="orders-db",
    )
    assert compare(FACTS, same_alert_other_cause) is None
    assert compare(FACTS, other_dependency) is None


def test_the_same_service_alone_is_not_enough() -> None:
    assert compare(FACTS, past(fingerprint="alertmanager:disk-full")) is None


def test_a_scenarios_bare_key_matches_the_end_of_a_fingerprint() -> None:
    assert compare(FACTS, past(fingerprint="consumer-down")) is not None


def test_another_service_that_failed_on_the_same_dependency_is_similar() -> None:
    found = compare(
        FACTS,
        past(service="billing-consumer", cause=CauseKind.DEPENDENCY, cause_subject="orders-queue"),
    )
    assert found is not None
    assert found.matched == (
        "same ranked cause (dependency: orders-queue)",
        "same failing dependency (orders-queue)",
    )


def test_the_most_similar_come_first_then_the_most_recent_and_at_most_three() -> None:
    history = [
        past(incident_id=1, opened_at=day(1), resolved_at=day(1), templates=FACTS.templates),
        past(incident_id=2, opened_at=day(2), resolved_at=day(2), templates=FACTS.templates),
        past(
            incident_id=3,
            opened_at=day(3),
            resolved_at=day(3),
            fingerprint="consumer-down",
            templates=FACTS.templates,
        ),
        past(incident_id=4, opened_at=day(4), resolved_at=day(4), templates=FACTS.templates),
        past(incident_id=5, opened_at=day(5), resolved_at=day(5), fingerprint="other"),
    ]
    found = similar_incidents(FACTS, history)
    assert [item.past.incident_id for item in found] == [3, 4, 2]


def test_a_verified_remedy_moves_its_suggestion_first_with_the_citation() -> None:
    actions = [
        SuggestedAction("Page Orders (@orders-oncall)", ActionKind.PAGE_OWNER),
        SuggestedAction("Restart orders-consumer (runbook x)", ActionKind.RESTART, True),
    ]
    proven = compare(
        FACTS,
        past(fingerprint="consumer-down", remedy=Remedy(ActionKind.RESTART, "orders-consumer")),
    )
    assert proven is not None
    ranked = favour_remedies(actions, [proven], policy=DEFAULT_POLICY, service="orders-consumer")
    assert [a.kind for a in ranked] == [ActionKind.RESTART, ActionKind.PAGE_OWNER]
    assert ranked[0].text.endswith("(resolved INC-12 on 12 Mar 2026, verified)")
    assert ranked[0].requires_approval


def test_a_proven_restart_nothing_else_suggested_is_added_but_never_a_rollback() -> None:
    restart = compare(
        FACTS, past(fingerprint="consumer-down", remedy=Remedy(ActionKind.RESTART, "orders"))
    )
    rollback = compare(
        FACTS, past(fingerprint="consumer-down", remedy=Remedy(ActionKind.ROLLBACK, "orders"))
    )
    assert restart is not None
    assert rollback is not None
    added = favour_remedies([], [restart], policy=DEFAULT_POLICY, service="orders-consumer")
    assert [(a.kind, a.text) for a in added] == [
        (ActionKind.RESTART, "Restart orders (resolved INC-12 on 12 Mar 2026, verified)")
    ]
    assert favour_remedies([], [rollback], policy=DEFAULT_POLICY, service="orders-consumer") == []


def test_a_similar_incident_reads_with_its_date_resolution_duration_match_and_channel() -> None:
    found = compare(
        FACTS,
        past(
            fingerprint="consumer-down",
            resolution="restarted the consumer",
            remedy=Remedy(ActionKind.RESTART, "orders-consumer"),
            channel_id="C0INC12",
        ),
    )
    assert found is not None
    assert similar_line(found) == (
        "INC-12 on 12 Mar 2026, orders-consumer (Consumer down): restart of orders-consumer "
        "(verified); note: restarted the consumer in 6 minutes. Matched: same service and alert "
        "(fingerprint). Channel: https://slack.com/app_redirect?channel=C0INC12"
    )


def test_durations_read_as_people_say_them() -> None:
    assert describe_duration(timedelta(minutes=1)) == "1 minute"
    assert describe_duration(timedelta(minutes=125)) == "2 h 5 min"
    assert describe_duration(timedelta(days=3, hours=1)) == "3 days"


def test_the_packet_names_a_past_regression_of_the_same_alert_and_ranks_its_rollback() -> None:
    alert = signal()
    evidence = EvidenceBundle(
        deploys=(OLDER_DEPLOY, PARSER_DEPLOY),
        metrics=(ERROR_RATE,),
        deploys_checked=True,
        history=(
            past(
                service="billing-webhooks",
                title="Parser rejects payloads",
                fingerprint="alertmanager:abc",
                cause=CauseKind.DEPLOY,
                remedy=Remedy(ActionKind.ROLLBACK, "billing-webhooks"),
            ),
            past(
                service="billing-webhooks",
                title="billing-db failover",
                incident_id=13,
                fingerprint="alertmanager:abc",
                cause=CauseKind.DEPENDENCY,
                cause_subject="billing-db",
            ),
        ),
    )
    built = build_packet(
        incident_id=20,
        title=alert.title,
        severity=Severity.SEV2,
        signals=[alert],
        assessment=assess("billing-webhooks", [alert], evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=load_runbooks(),
    )
    assert [item.past.incident_id for item in built.history] == [12]
    assert built.history[0].matched == (
        "same service and alert (fingerprint)",
        "same ranked cause (deploy)",
    )
    assert built.actions[0].kind is ActionKind.ROLLBACK
    assert "(resolved INC-12 on 12 Mar 2026, verified)" in built.actions[0].text
    text = render_plain(built)
    assert "Seen before:\n- INC-12 on 12 Mar 2026, billing-webhooks" in text
    assert "INC-13" not in text

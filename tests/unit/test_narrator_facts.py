"""The packet's facts as the narrator cites them: pure, numbered in a fixed order, and a claim
repeating them survives grounding while one naming what they lack does not."""

from __future__ import annotations

from bot.analysis.assessment import assess
from bot.evidence.values import ClusterState, EvidenceBundle, FlagChange, PodState
from bot.narrator.facts import FactSheet, incident_facts, known_services
from bot.narrator.grounding import ground
from bot.narrator.values import Claim
from bot.packet.build import build_packet
from bot.policy import DEFAULT_POLICY
from tests.unit.test_packet import (
    CATALOG,
    ERROR_RATE,
    OLDER_DEPLOY,
    PARSER_DEPLOY,
    SHIPPED_RUNBOOKS,
    at,
    signal,
)

POD = PodState(
    "payments",
    "billing-webhooks-7d9f8c6b5-x2k4q",
    "billing-webhooks",
    "Running",
    False,
    4,
    "OOMKilled",
)
FLAG = FlagChange(at(13, 58), "new-parser", "off -> on", "billing-webhooks")
EVIDENCE = EvidenceBundle(
    deploys=(OLDER_DEPLOY, PARSER_DEPLOY),
    metrics=(ERROR_RATE,),
    cluster=ClusterState(pods=(POD,)),
    flags=(FLAG,),
    deploys_checked=True,
)


def _sheet() -> FactSheet:
    signals = [signal()]
    assessment = assess("billing-webhooks", signals, EVIDENCE, catalog=CATALOG)
    packet = build_packet(
        incident_id=7,
        title=signals[0].title,
        severity=signals[0].severity,
        signals=signals,
        assessment=assessment,
        evidence=EVIDENCE,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=SHIPPED_RUNBOOKS,
    )
    return incident_facts(
        packet=packet,
        assessment=assessment,
        evidence=EVIDENCE,
        services=known_services(CATALOG, "billing-webhooks"),
    )


def test_facts_are_numbered_in_order_starting_with_the_alert() -> None:
    sheet = _sheet()
    assert [fact.id for fact in sheet.facts] == [f"E{n}" for n in range(1, len(sheet.facts) + 1)]
    assert sheet.facts[0].text == (
        "Alert on billing-webhooks: billing-webhooks error rate above 5%, severity sev2, "
        "first seen 14:03 UTC"
    )
    assert sheet.facts[1].text.startswith("Deploy 9f1c2ab of billing-webhooks at 13:52 UTC by dana")


def test_every_kind_of_evidence_becomes_a_fact() -> None:
    text = _sheet().text()
    assert "billing-webhooks: Error rate rose from 0.3% to 8.7%" in text
    assert "Pod billing-webhooks-7d9f8c6b5-x2k4q is Running, not ready, 4 restarts" in text
    assert "Feature flag new-parser changed at 13:58 UTC: off -> on" in text
    assert "Hypothesis 1 (confidence" in text
    assert "For hypothesis 1:" in text


def test_services_and_pods_are_the_names_grounding_watches() -> None:
    names = _sheet().names
    assert {"billing-webhooks", "billing-db", "billing-webhooks-7d9f8c6b5-x2k4q"} <= names


def test_a_claim_repeating_its_facts_survives_and_one_naming_another_service_does_not() -> None:
    sheet = _sheet()
    deploy = sheet.facts[1]
    kept = Claim("Deploy 9f1c2ab by dana landed at 13:52 UTC.", (deploy.id,))
    stray = Claim("billing-db slowed after deploy 9f1c2ab.", (deploy.id,))
    result = ground([kept, stray], sheet.facts, names=sheet.names)
    assert result.kept == (kept,)
    assert [d.reason for d in result.dropped] == ["names billing-db not in its evidence"]

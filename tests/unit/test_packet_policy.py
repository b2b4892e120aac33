"""The packet marks what needs approval as the policy has it for the incident's service."""

from __future__ import annotations

from pathlib import Path

from bot.action.kinds import ActionKind
from bot.analysis.triage import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import EvidenceBundle
from bot.packet.build import build_packet
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY, Policy, parse_policy
from bot.runbook.loader import load_runbooks
from bot.signal.values import Severity
from tests.unit.test_packet import ERROR_RATE, OLDER_DEPLOY, PARSER_DEPLOY, signal

CATALOG = Catalog(
    [ServiceEntry("billing-webhooks", "payments-platform", slack_group="payments-oncall", tier=1)]
)
WAIVING = parse_policy(
    "services:\n"
    "  billing-webhooks:\n"
    "    actions:\n"
    "      rollback: {requires_approval: false}\n"
    "      status_update: {requires_approval: false}\n",
    path=Path("policy.yaml"),
)


def packet(policy: Policy) -> Packet:
    alert = signal()
    evidence = EvidenceBundle(
        deploys=(OLDER_DEPLOY, PARSER_DEPLOY), metrics=(ERROR_RATE,), deploys_checked=True
    )
    return build_packet(
        incident_id=7,
        title=alert.title,
        severity=Severity.SEV2,
        signals=[alert],
        assessment=assess("billing-webhooks", [alert], evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=policy,
        runbooks=load_runbooks(),
    )


def approval_marks(built: Packet) -> dict[ActionKind, bool]:
    return {
        action.kind: action.requires_approval for action in built.actions if action.kind is not None
    }


def test_by_default_the_rollback_and_the_status_update_need_approval() -> None:
    marks = approval_marks(packet(DEFAULT_POLICY))
    assert marks[ActionKind.ROLLBACK]
    assert marks[ActionKind.STATUS_UPDATE]


def test_a_service_that_waives_approval_shows_its_steps_without_it() -> None:
    marks = approval_marks(packet(WAIVING))
    assert not marks[ActionKind.ROLLBACK]
    # What customers read is always approved by a person (issue 16), waiver or not.
    assert marks[ActionKind.STATUS_UPDATE]

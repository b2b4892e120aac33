"""The packet names code merged in the window that no deploy carried, and which of it migrates
the schema: pure, from the evidence bundle."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.analysis.assessment import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import CodeChange, Deploy, EvidenceBundle
from bot.packet.build import build_packet
from bot.packet.changes import change_lines, undeployed_changes
from bot.policy import DEFAULT_POLICY
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

SERVICE = "billing-webhooks"


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 4, hour, minute, tzinfo=UTC)


DEPLOY = Deploy(SERVICE, "9f1c2ab", at(13, 30), author="dana", pr=501, title="New parser")
SHIPPED = CodeChange(SERVICE, "9f1c2ab", at(13, 20), "New parser", "dana", 501)
OLDER = CodeChange(SERVICE, "1111111", at(13, 0), "Tidy imports", "erin", 499)
PARSER = CodeChange(SERVICE, "abc1234def", at(13, 40), "parser: accept v2 payloads", "alice", 512)
MIGRATION = CodeChange(
    SERVICE,
    "beef0000",
    at(13, 50),
    "Add refunds table",
    "bob",
    513,
    files=("migrations/0042_refunds.sql",),
    has_migration=True,
)


def test_changes_merged_after_the_latest_deploy_are_not_deployed() -> None:
    evidence = EvidenceBundle(
        deploys=(DEPLOY,), changes=(OLDER, SHIPPED, PARSER), deploys_checked=True
    )
    assert undeployed_changes(evidence, SERVICE) == (PARSER,)
    assert change_lines(evidence, SERVICE) == [
        "Changes merged but not deployed: #512 'parser: accept v2 payloads' by alice, 13:40"
    ]


def test_a_change_carrying_a_migration_says_so_newest_first() -> None:
    evidence = EvidenceBundle(deploys=(DEPLOY,), changes=(PARSER, MIGRATION), deploys_checked=True)
    assert change_lines(evidence, SERVICE) == [
        "Changes merged but not deployed: #513 'Add refunds table' by bob, 13:50, with a "
        "database migration; #512 'parser: accept v2 payloads' by alice, 13:40"
    ]


def test_a_failed_deploy_shipped_nothing_merged_before_it() -> None:
    failed = Deploy(SERVICE, "2222222", at(13, 45), succeeded=False)
    evidence = EvidenceBundle(deploys=(DEPLOY, failed), changes=(PARSER,), deploys_checked=True)
    assert undeployed_changes(evidence, SERVICE) == (PARSER,)


def test_without_any_deploy_in_the_history_every_change_is_undeployed() -> None:
    commit = CodeChange(SERVICE, "77aa88bb99", at(13, 5), "Hotfix", None)
    evidence = EvidenceBundle(changes=(commit,), deploys_checked=True)
    assert change_lines(evidence, SERVICE) == [
        "Changes merged but not deployed: commit 77aa88b 'Hotfix', 13:05"
    ]


def test_only_the_newest_three_are_listed_with_the_count_of_the_rest() -> None:
    many = tuple(
        CodeChange(SERVICE, f"{n:07x}", at(13, 40 + n), f"Change {n}", "alice", 600 + n)
        for n in range(5)
    )
    evidence = EvidenceBundle(deploys=(DEPLOY,), changes=many, deploys_checked=True)
    [line] = change_lines(evidence, SERVICE)
    assert "#604" in line
    assert "#601" not in line
    assert line.endswith("(+2 more)")


def test_a_hidden_migration_is_still_counted() -> None:
    later = tuple(
        CodeChange(SERVICE, f"{n:07x}", at(13, 55 + n), f"Change {n}", "alice", 700 + n)
        for n in range(3)
    )
    evidence = EvidenceBundle(deploys=(DEPLOY,), changes=(MIGRATION, *later), deploys_checked=True)
    [line] = change_lines(evidence, SERVICE)
    assert line.endswith("(+1 more); 1 of them with a database migration")


def test_when_no_deploy_source_answered_the_line_does_not_claim_what_shipped() -> None:
    evidence = EvidenceBundle(changes=(PARSER,), deploys_checked=False)
    assert change_lines(evidence, SERVICE) == [
        "Changes merged (whether deployed is unknown): "
        "#512 'parser: accept v2 payloads' by alice, 13:40"
    ]


def test_nothing_is_said_when_every_change_shipped() -> None:
    evidence = EvidenceBundle(deploys=(DEPLOY,), changes=(SHIPPED,), deploys_checked=True)
    assert change_lines(evidence, SERVICE) == []


def test_the_packet_shows_undeployed_changes_among_its_signals() -> None:
    alert = Signal(
        source=AlertSource.GENERIC,
        service=SERVICE,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=at(14, 3),
        title="billing-webhooks errors",
        fingerprint="generic:bw",
        delivery_id="bw:1",
    )
    evidence = EvidenceBundle(deploys=(DEPLOY,), changes=(PARSER,), deploys_checked=True)
    catalog = Catalog((ServiceEntry(SERVICE, "payments"),))
    packet = build_packet(
        incident_id=1,
        title=alert.title,
        severity=Severity.SEV2,
        signals=[alert],
        assessment=assess(SERVICE, [alert], evidence, catalog=catalog),
        evidence=evidence,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )
    assert (
        "Changes merged but not deployed: #512 'parser: accept v2 payloads' by alice, 13:40"
        in packet.signals
    )

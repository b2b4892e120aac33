"""Code changes from GitHub in the packet: the real PyGithub client against the local GitHub
REST server. Pull requests merged in the window carry their changed files, so whether they
migrate the schema; those no deploy carried are named in the packet's signals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from bot.analysis.assessment import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.policy import DEFAULT_POLICY
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from integrations.github import GitHubConnection, GitHubEvidence
from tests.fakes.github import FakeCommit, FakeDeployment, FakeGitHub, FakePull

TOKEN = "ghp_fakeTokenForTheLocalServer0123456789"
NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
SERVICE = "billing-webhooks"
REPO = "acme/billing"
SHA = {n: f"{n:x}" * 40 for n in range(1, 8)}
BEFORE = "0" * 40
WINDOW = EvidenceQuery(SERVICE, since=NOW - timedelta(hours=3), until=NOW)
CATALOG = Catalog([ServiceEntry(SERVICE, "payments", repo=REPO)])


def _ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN) as server:
        yield server


def _source(fake: FakeGitHub, *, deadline: float = 5.0) -> GitHubEvidence:
    return GitHubEvidence(
        connection=GitHubConnection(token=SecretStr(TOKEN), api_url=fake.api_url, timeout=deadline),
        catalog=CATALOG,
        deadline=deadline,
    )


def _history(fake: FakeGitHub) -> None:
    """PR 101 was deployed 60 minutes ago; PR 102 (a migration) and a direct commit were merged
    after it and never deployed."""
    repo = fake.repo(REPO)
    repo.deployments = [
        FakeDeployment(1, SHA[1], _ago(62), [("success", _ago(60))]),
        FakeDeployment(0, BEFORE, _ago(600), [("success", _ago(600))]),
    ]
    repo.comparisons = {(BEFORE, SHA[1]): ["billing/refunds.py"]}
    repo.commits = [
        FakeCommit(SHA[1], _ago(70), "Add refunds (#101)", "alice"),
        FakeCommit(SHA[2], _ago(40), "Refunds table (#102)", "bob"),
        FakeCommit(SHA[3], _ago(30), "Fix typo in log line", "carol"),
    ]
    repo.pulls = [
        FakePull(
            101,
            "Add refunds",
            "alice",
            [SHA[1]],
            _ago(70),
            SHA[1],
            _ago(70),
            files=["billing/refunds.py"],
        ),
        FakePull(
            102,
            "Refunds table",
            "bob",
            [SHA[2]],
            _ago(40),
            SHA[2],
            _ago(40),
            files=["billing/models.py", "migrations/versions/2026_03_04_refunds.py"],
        ),
    ]


async def test_merged_pull_requests_carry_their_files_and_whether_they_migrate(
    fake: FakeGitHub,
) -> None:
    _history(fake)

    changes = await _source(fake).changes(WINDOW)

    by_pr = {change.pr: change for change in changes}
    assert by_pr[102].files == ("billing/models.py", "migrations/versions/2026_03_04_refunds.py")
    assert by_pr[102].has_migration
    assert by_pr[101].files == ("billing/refunds.py",)
    assert not by_pr[101].has_migration
    assert any(seen.path.endswith("/pulls/102/files") for seen in fake.requests)


async def test_the_packet_names_changes_merged_but_not_deployed(fake: FakeGitHub) -> None:
    _history(fake)
    source = _source(fake)
    evidence = await gather_evidence(
        WINDOW,
        EvidenceSources(deploys=[source], changes=[source]),
        deadline=5,
        deploy_query=EvidenceQuery(SERVICE, since=NOW - timedelta(days=14), until=NOW),
    )
    alert = Signal(
        source=AlertSource.ALERTMANAGER,
        service=SERVICE,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=_ago(10),
        title=f"{SERVICE} error rate above 5%",
        fingerprint="alertmanager:changes",
        delivery_id="changes:1",
    )

    packet = build_packet(
        incident_id=1,
        title=alert.title,
        severity=alert.severity,
        signals=[alert],
        assessment=assess(SERVICE, [alert], evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )

    assert [change.pr for change in evidence.changes] == [101, 102, None]
    assert (
        "- Changes merged but not deployed: commit 3333333 'Fix typo in log line' by carol, "
        "13:36; #102 'Refunds table' by bob, 13:26, with a database migration"
    ) in render_plain(packet)


async def test_a_failing_change_source_is_named_and_deploys_still_arrive(
    fake: FakeGitHub,
) -> None:
    _history(fake)
    fake.server_error(r".*/commits$")
    source = _source(fake)

    evidence = await gather_evidence(
        WINDOW, EvidenceSources(deploys=[source], changes=[source]), deadline=5
    )

    assert [deploy.pr for deploy in evidence.deploys] == [101]
    assert evidence.changes == ()
    assert [failure.source for failure in evidence.unavailable] == ["github"]

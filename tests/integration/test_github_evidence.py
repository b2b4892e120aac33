"""The GitHub evidence adapter: the real PyGithub client against a local GitHub REST server.

Deploys come from deployments and their statuses, each with its pull request and the files
changed since the deploy before it; any failure (bad token, rate limit, server error, a hang)
is a missing source with a clear reason and never holds the packet. PyGithub's own retries and
pauses are off, so a failure or a hang costs one request, never a wait until a rate limit resets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from bot.analysis.triage import assess
from bot.catalog import Catalog, ServiceEntry
from bot.errors import SourceUnavailableError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import CodeChange, Deploy, SourceFailure
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.settings import load_settings
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus
from bot.wiring.evidence import github_evidence
from integrations.github import GitHubConnection, GitHubEvidence
from tests.fakes.github import FakeCommit, FakeDeployment, FakeGitHub, FakePull

TOKEN = "ghp_fakeTokenForTheLocalServer0123456789"
NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
SERVICE = "billing-webhooks"
REPO = "acme/billing"
SHA = {n: f"{n:x}" * 40 for n in range(1, 8)}
BEFORE = "0" * 40  # the deploy that was running before the window
WINDOW = EvidenceQuery(SERVICE, since=NOW - timedelta(days=14), until=NOW)
CATALOG = Catalog([ServiceEntry(SERVICE, "payments", repo=REPO), ServiceEntry("no-repo", "ops")])


def _ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


def _source(fake: FakeGitHub, *, token: str = TOKEN, deadline: float = 5.0) -> GitHubEvidence:
    return GitHubEvidence(
        connection=GitHubConnection(token=SecretStr(token), api_url=fake.api_url, timeout=deadline),
        catalog=CATALOG,
        environment="production",
        deadline=deadline,
    )


def _deploy_history(fake: FakeGitHub) -> None:
    """Three deploys in the window (one failed), one still pending, one to staging."""
    repo = fake.repo(REPO)
    repo.deployments = [
        FakeDeployment(
            0, BEFORE, NOW - timedelta(days=20), [("success", NOW - timedelta(days=20))]
        ),
        FakeDeployment(
            1,
            SHA[1],
            _ago(125),
            [
                ("pending", _ago(125)),
                ("in_progress", _ago(124)),
                ("success", _ago(120)),
                ("inactive", _ago(35)),
            ],
        ),
        FakeDeployment(2, SHA[2], _ago(40), [("queued", _ago(40)), ("success", _ago(35))]),
        FakeDeployment(3, SHA[3], _ago(20), [("failure", _ago(18))], description="Deploy hotfix"),
        FakeDeployment(4, SHA[4], _ago(5), [("pending", _ago(5))]),
        FakeDeployment(5, SHA[5], _ago(3), [("success", _ago(2))], environment="staging"),
    ]
    repo.pulls = [
        FakePull(101, "Add refunds", "alice", [SHA[1]], _ago(130), SHA[1], _ago(130)),
        FakePull(102, "Parse webhook v2", "bob", [SHA[2]], _ago(45), SHA[2], _ago(45)),
    ]
    repo.comparisons = {
        (BEFORE, SHA[1]): ["billing/refunds.py"],
        (SHA[1], SHA[2]): ["billing/parser.py", "migrations/versions/2026_03_04_add_column.py"],
        (SHA[2], SHA[3]): ["billing/parser.py"],
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN) as server:
        yield server


async def _failure(source: GitHubEvidence, *, deadline: float = 5.0) -> SourceFailure:
    bundle = await gather_evidence(WINDOW, EvidenceSources(deploys=[source]), deadline=deadline)
    assert bundle.deploys == ()
    assert bundle.deploys_checked is False  # silence from a failed source proves nothing
    (failure,) = bundle.unavailable
    assert failure.source == "github"
    return failure


async def test_deploys_in_the_window_carry_their_pull_request_files_and_migration(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)

    deploys = await _source(fake).deploys(WINDOW)

    assert deploys == [
        Deploy(
            service=SERVICE,
            sha=SHA[1],
            at=_ago(120),
            author="alice",
            pr=101,
            title="Add refunds",
            files=("billing/refunds.py",),
            has_migration=False,
            succeeded=True,
            url=f"https://github.com/{REPO}/pull/101",
        ),
        Deploy(
            service=SERVICE,
            sha=SHA[2],
            at=_ago(35),
            author="bob",
            pr=102,
            title="Parse webhook v2",
            files=("billing/parser.py", "migrations/versions/2026_03_04_add_column.py"),
            has_migration=True,
            succeeded=True,
            url=f"https://github.com/{REPO}/pull/102",
        ),
        Deploy(
            service=SERVICE,
            sha=SHA[3],
            at=_ago(18),
            author="deploy-bot",  # no pull request: whoever deployed it
            pr=None,
            title="Deploy hotfix",
            files=("billing/parser.py",),
            has_migration=False,
            succeeded=False,
            url=None,
        ),
    ]


async def test_every_request_carries_the_token_and_asks_for_the_environment(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)

    await _source(fake).deploys(WINDOW)

    assert {seen.authorization for seen in fake.requests} == {f"token {TOKEN}"}
    listings = [seen for seen in fake.requests if seen.path.endswith("/deployments")]
    assert listings
    assert all(seen.query.get("environment") == "production" for seen in listings)


async def test_deployments_statuses_and_pulls_are_read_across_pages(fake: FakeGitHub) -> None:
    _deploy_history(fake)
    fake.max_page_size = 1

    deploys = await _source(fake).deploys(WINDOW)

    assert [d.sha for d in deploys] == [SHA[1], SHA[2], SHA[3]]
    assert [d.pr for d in deploys] == [101, 102, None]
    pages = {seen.query.get("page") for seen in fake.requests if seen.path.endswith("/deployments")}
    assert {"2", "3"} <= pages
    status_pages = {
        seen.query.get("page") for seen in fake.requests if seen.path.endswith("/1/statuses")
    }
    assert {"2", "4"} <= status_pages


async def test_a_redeploy_of_the_running_commit_changed_no_files(fake: FakeGitHub) -> None:
    fake.repo(REPO).deployments = [
        FakeDeployment(1, SHA[1], _ago(90), [("success", _ago(88))]),
        FakeDeployment(2, SHA[1], _ago(30), [("success", _ago(28))]),
    ]

    deploys = await _source(fake).deploys(WINDOW)

    assert [(d.sha, d.files, d.has_migration) for d in deploys] == [
        (SHA[1], (), False),  # the first deploy of all: nothing known to compare with
        (SHA[1], (), False),
    ]
    assert not any("/compare/" in path for path in fake.paths())


async def test_a_wrong_token_is_a_missing_source_with_a_clear_reason(fake: FakeGitHub) -> None:
    _deploy_history(fake)

    failure = await _failure(_source(fake, token="ghp_wrong"))

    assert failure.reason == "GitHub refused the token (401 Bad credentials): check GITHUB_TOKEN"


@pytest.mark.parametrize("status", [403, 429])
async def test_an_exhausted_rate_limit_names_the_reset_and_is_not_waited_out(
    fake: FakeGitHub, status: int
) -> None:
    _deploy_history(fake)
    reset = int(datetime(2026, 3, 4, 14, 46, tzinfo=UTC).timestamp())
    fake.rate_limited(reset=reset, status=status)

    failure = await _failure(_source(fake))

    assert failure.reason == "GitHub API rate limit exhausted until 14:46 UTC"
    assert len(fake.requests) == 1  # no retry sleeping until the reset


@pytest.mark.parametrize("status", [403, 429])
async def test_a_secondary_rate_limit_names_githubs_wait_and_is_not_waited_out(
    fake: FakeGitHub, status: int
) -> None:
    _deploy_history(fake)
    fake.secondary_rate_limited(status=status, retry_after=60)

    failure = await _failure(_source(fake))

    assert failure.reason == "GitHub secondary rate limit: retry after 60s"
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [403, 429])
async def test_a_secondary_rate_limit_without_a_wait_says_a_minute(
    fake: FakeGitHub, status: int
) -> None:
    _deploy_history(fake)
    fake.secondary_rate_limited(status=status)

    failure = await _failure(_source(fake))

    assert failure.reason == f"GitHub secondary rate limit ({status}): retry in a minute or more"
    assert len(fake.requests) == 1


async def test_a_token_without_access_to_the_repository_names_it(fake: FakeGitHub) -> None:
    _deploy_history(fake)
    fake.fail(
        r"/deployments$", status=403, message="Resource not accessible by personal access token"
    )

    failure = await _failure(_source(fake))

    assert failure.reason == (
        f"GitHub denied access to {REPO} (403: Resource not accessible by personal access token)"
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_server_error_on_the_first_request_is_asked_once(
    fake: FakeGitHub, status: int
) -> None:
    _deploy_history(fake)
    fake.server_error(r"/deployments$", status=status)

    failure = await _failure(_source(fake))

    assert failure.reason == f"GitHub server error ({status}: Server Error)"
    assert fake.paths() == [f"/repos/{REPO}/deployments"]


async def test_a_server_error_is_a_missing_source_without_retries(fake: FakeGitHub) -> None:
    _deploy_history(fake)
    fake.server_error(r"/statuses$", status=502)

    failure = await _failure(_source(fake))

    assert failure.reason == "GitHub server error (502: Server Error)"
    statuses = [path for path in fake.paths() if path.endswith("/statuses")]
    assert len(statuses) == len(set(statuses))  # each asked once


async def test_an_unknown_repository_says_the_token_cannot_see_it(fake: FakeGitHub) -> None:
    failure = await _failure(_source(fake))  # acme/billing was never created

    assert failure.reason == f"GitHub has no repository {REPO} visible to this token (404)"


async def test_a_service_without_a_repo_in_the_catalog_is_a_missing_source(
    fake: FakeGitHub,
) -> None:
    bundle = await gather_evidence(
        EvidenceQuery("no-repo", since=WINDOW.since, until=NOW),
        EvidenceSources(deploys=[_source(fake)]),
        deadline=5.0,
    )

    assert bundle.unavailable == (SourceFailure("github", "the catalog names no repo for no-repo"),)
    assert fake.requests == []


async def test_a_hanging_github_misses_the_deadline_and_its_thread_gives_up(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)
    fake.hang(r"/statuses$")

    failure = await _failure(_source(fake, deadline=0.5), deadline=0.5)

    assert failure.reason == "no answer within 0.5s"
    # The worker thread is not left blocked: its socket timeout ends the hung request (the fake
    # sees the client leave) and it starts no request after that. The wait is only a guard
    # against a hang of the test itself.
    await asyncio.wait_for(fake.abandoned.wait(), timeout=30)
    seen = len(fake.requests)
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), timeout=30)
    assert len(fake.requests) == seen


async def test_a_hang_on_the_first_request_is_neither_waited_out_nor_retried(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)
    fake.hang(r"/deployments$")

    failure = await _failure(_source(fake, deadline=0.5), deadline=0.5)

    assert failure.reason == "no answer within 0.5s"
    # PyGithub's own retry is off: once the socket timeout ends the hung request, the worker
    # thread finishes without asking again (the default GithubRetry would ask 10 more times).
    await asyncio.wait_for(fake.abandoned.wait(), timeout=30)
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), timeout=30)
    assert fake.paths() == [f"/repos/{REPO}/deployments"]


async def test_a_hang_while_comparing_files_misses_the_deadline(fake: FakeGitHub) -> None:
    _deploy_history(fake)
    fake.hang(r"/compare/")

    failure = await _failure(_source(fake, deadline=0.5), deadline=0.5)

    assert failure.reason == "no answer within 0.5s"
    await asyncio.wait_for(fake.abandoned.wait(), timeout=30)


async def test_the_token_is_never_logged_nor_in_a_reason(
    fake: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    _deploy_history(fake)
    caplog.set_level(logging.DEBUG)

    await _source(fake).deploys(WINDOW)
    fake.server_error()
    failure = await _failure(_source(fake))

    assert caplog.records  # PyGithub logged its requests at debug level
    assert TOKEN not in caplog.text
    assert TOKEN not in failure.reason
    assert TOKEN not in repr(GitHubConnection(token=SecretStr(TOKEN), api_url=fake.api_url))


async def test_changes_fold_each_merged_pull_request_into_its_commit(fake: FakeGitHub) -> None:
    repo = fake.repo(REPO)
    repo.commits = [
        FakeCommit(SHA[1], _ago(300), "Old change\n\nbody", "alice"),  # before the window
        FakeCommit(SHA[2], _ago(90), "Add refunds (#101)\n\nSquashed", "alice"),
        FakeCommit(SHA[3], _ago(50), "Fix typo", None, author_name="Carol Web"),
    ]
    repo.pulls = [
        FakePull(101, "Add refunds", "alice", [SHA[2]], _ago(90), SHA[2], _ago(89)),
        FakePull(99, "Old", "dave", [SHA[1]], _ago(300), SHA[1], _ago(299)),
        FakePull(103, "Release branch fix", "erin", [SHA[6]], _ago(20), SHA[6], _ago(20)),
        FakePull(104, "Still open", "frank", [SHA[7]], None, None, _ago(10)),
    ]
    window = EvidenceQuery(SERVICE, since=_ago(180), until=NOW)

    changes = await _source(fake).changes(window)

    html = f"https://github.com/{REPO}"
    assert changes == [
        CodeChange(SERVICE, SHA[2], _ago(90), "Add refunds", "alice", 101, f"{html}/pull/101"),
        CodeChange(
            SERVICE, SHA[3], _ago(50), "Fix typo", "Carol Web", None, f"{html}/commit/{SHA[3]}"
        ),
        CodeChange(
            SERVICE, SHA[6], _ago(20), "Release branch fix", "erin", 103, f"{html}/pull/103"
        ),
    ]
    commit_listing = next(seen for seen in fake.requests if seen.path.endswith("/commits"))
    assert commit_listing.query["since"] == "2026-03-04T11:06:00Z"


async def test_changes_with_a_refused_token_raise_the_reason(fake: FakeGitHub) -> None:
    with pytest.raises(SourceUnavailableError) as caught:
        await _source(fake, token="ghp_wrong").changes(WINDOW)

    assert caught.value.reason == (
        "GitHub refused the token (401 Bad credentials): check GITHUB_TOKEN"
    )


async def test_changes_from_a_hanging_github_end_at_the_socket_timeout_unretried(
    fake: FakeGitHub,
) -> None:
    fake.repo(REPO)
    fake.hang(r"/pulls$")
    source = GitHubEvidence(
        connection=GitHubConnection(token=SecretStr(TOKEN), api_url=fake.api_url, timeout=0.5),
        catalog=CATALOG,
        deadline=30,  # a budget that outlasts the socket timeout, which is what ends the hang
    )

    with pytest.raises(SourceUnavailableError) as caught:
        # The guard only stops a hang of the test itself.
        await asyncio.wait_for(source.changes(WINDOW), timeout=60)

    assert caught.value.reason == f"GitHub did not answer in time ({fake.api_url})"
    assert [path for path in fake.paths() if path.endswith("/pulls")] == [f"/repos/{REPO}/pulls"]


async def test_the_packets_suspect_deploy_links_its_pull_request_and_names_its_author(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)
    alert = _alert(started_at=_ago(25))  # after deploy 2 (PR 102), before the failed hotfix

    packet = await _packet(_source(fake), alert)

    assert packet.links[0] == Link("Suspect deploy: PR 102", f"https://github.com/{REPO}/pull/102")
    assert packet.actions[0].text == (f"Review PR 102: Parse webhook v2 (deploy {SHA[2]} by bob)")
    # PR 102 carries a migration: the packet says a rollback may be unsafe and, since issue 13,
    # does not suggest one (no rollback over a migration the code's rollback does not undo).
    assert not any(action.text.startswith("Roll back") for action in packet.actions)
    assert packet.warnings[0] == (
        f"Rollback may be unsafe: deploy {SHA[2]} carries a database migration that a rollback of"
        " the code does not undo"
    )
    assert packet.unavailable == ()


async def test_a_hanging_github_does_not_hold_the_packet_and_is_named_in_it(
    fake: FakeGitHub,
) -> None:
    _deploy_history(fake)
    fake.hang(r"/deployments$")

    packet = await _packet(_source(fake, deadline=0.5), _alert(started_at=_ago(25)), deadline=0.5)

    assert "Evidence unavailable:\n- github: no answer within 0.5s" in render_plain(packet)
    assert not any("Review" in action.text for action in packet.actions)
    assert not any("No deploy" in line for line in packet.signals)  # silence proves nothing
    await asyncio.wait_for(fake.abandoned.wait(), timeout=30)


def _alert(*, started_at: datetime) -> Signal:
    return Signal(
        source=AlertSource.ALERTMANAGER,
        service=SERVICE,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=started_at,
        title=f"{SERVICE} error rate above 5%",
        fingerprint="alertmanager:github-test",
        delivery_id="github-test:1",
    )


async def _packet(source: GitHubEvidence, alert: Signal, *, deadline: float = 5.0) -> Packet:
    evidence = await gather_evidence(WINDOW, EvidenceSources(deploys=[source]), deadline=deadline)
    return build_packet(
        incident_id=1,
        title=alert.title,
        severity=alert.severity,
        signals=[alert],
        assessment=assess(SERVICE, [alert], evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=(),  # which runbook fits is not what these tests are about
    )


async def test_the_composition_root_builds_github_from_the_settings(
    fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deploy_history(fake)
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    assert github_evidence(load_settings(_env_file=None), CATALOG) is None

    settings = load_settings(
        _env_file=None,
        github_token=TOKEN,
        github_api_url=fake.api_url,
        github_environment="staging",
        evidence_deadline_seconds=5,
    )
    source = github_evidence(settings, CATALOG)

    assert source is not None
    assert [d.sha for d in await source.deploys(WINDOW)] == [SHA[5]]

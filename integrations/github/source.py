"""GitHub as the deploy and change evidence of a service, read from the service's repository
(the catalog's ``repo``, ``owner/name``).

A deploy is a GitHub deployment to the configured environment whose newest terminal status is
``success`` or ``failure``/``error``; it landed when that status was created. For each deploy in
the window it reads the pull request that brought the commit
(``GET /repos/{o}/{r}/commits/{sha}/pulls``) and the files changed since the deploy that was
running before it (``GET /repos/{o}/{r}/compare/{base}...{head}``, GitHub's first 300 files),
from which :func:`~bot.analysis.migrations.has_migration` decides whether it migrated the schema.
Deployments that never reached a terminal status did not land and are left out.

PyGithub blocks, so every call runs in a worker thread (``asyncio.to_thread``) with a client of
that thread's own. The gatherer abandons a late source at its deadline; the threads then stop by
themselves: no request waits longer than the deadline for a byte, none is retried, and none starts
after the caller gave up or the budget ran out. Any failure raises
:class:`~bot.errors.SourceUnavailableError` with the reason, so the packet says "unavailable"
instead of half an answer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

import requests
from github import Github, GithubException
from github.GithubException import BadAttributeException
from github.PullRequest import PullRequest

from bot.analysis.migrations import has_migration
from bot.catalog import Catalog
from bot.errors import SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import CodeChange, Deploy
from integrations.github.client import GitHubConnection, unavailable

__all__ = ["BASE_LOOKBACK", "MAX_CHANGES", "MAX_DEPLOYS", "MAX_PULL_FILES", "GitHubEvidence"]

T = TypeVar("T")

MAX_DEPLOYS = 10  # the newest deployments in the window that are described in full
BASE_LOOKBACK = 3  # older deployments read to find what the oldest deploy replaced
MAX_CHANGES = 200  # commits or merged pull requests read for one window
MAX_PULL_FILES = 20  # the newest merged pull requests whose changed files are read
_SUCCESS = frozenset({"success"})
_FAILURE = frozenset({"failure", "error"})


@dataclass(frozen=True, slots=True)
class _Deployment:
    id: int
    sha: str
    created_at: datetime
    creator: str | None
    description: str | None
    described: bool  # among the newest MAX_DEPLOYS of the window, not only a base candidate


@dataclass(frozen=True, slots=True)
class _Landing:
    deployment: _Deployment
    at: datetime
    succeeded: bool


@dataclass(frozen=True, slots=True)
class _Pull:
    number: int
    title: str
    author: str | None
    url: str
    merged_at: datetime | None
    merge_commit_sha: str | None
    files: tuple[str, ...] = ()  # read only for the pull requests of a change window


class _OutOfTimeError(Exception):
    """Raised inside a worker thread instead of starting a request nobody will wait for."""


class _Budget:
    """The time one question may take, shared by the threads answering it."""

    def __init__(self, seconds: float) -> None:
        self._expires = time.monotonic() + seconds
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def check(self) -> None:
        if self._stopped.is_set() or time.monotonic() >= self._expires:
            raise _OutOfTimeError


class GitHubEvidence:
    """Implements ``DeploySource`` and ``ChangeSource`` over GitHub's REST API."""

    name = "github"

    def __init__(
        self,
        *,
        connection: GitHubConnection,
        catalog: Catalog,
        environment: str = "production",
        deadline: float = 3.0,
    ) -> None:
        self._connection = connection
        self._catalog = catalog
        self._environment = environment
        self._deadline = deadline

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        repo = self._repo_of(query.service)
        budget = _Budget(self._deadline)
        try:
            listed = await self._call(
                budget, repo, lambda gh: self._deployments(gh, repo, query, budget)
            )
            landings = await asyncio.gather(*(self._land(budget, repo, d) for d in listed))
            plan = [
                (landing, base)
                for landing, base in _with_bases([found for found in landings if found])
                if landing.deployment.described and query.since <= landing.at <= query.until
            ]
            return await asyncio.gather(
                *(
                    self._describe(budget, repo, query.service, landing, base)
                    for landing, base in plan
                )
            )
        finally:
            budget.stop()

    async def changes(self, query: EvidenceQuery) -> Sequence[CodeChange]:
        repo = self._repo_of(query.service)
        budget = _Budget(self._deadline)
        try:
            commits, pulls = await asyncio.gather(
                self._call(budget, repo, lambda gh: _commits(gh, repo, query, budget)),
                self._call(budget, repo, lambda gh: _merged_pulls(gh, repo, query, budget)),
            )
        finally:
            budget.stop()
        return _fold(query.service, commits, pulls)

    async def _land(self, budget: _Budget, repo: str, deployment: _Deployment) -> _Landing | None:
        return await self._call(budget, repo, lambda gh: _landing(gh, repo, deployment, budget))

    async def _describe(
        self, budget: _Budget, repo: str, service: str, landing: _Landing, base: str | None
    ) -> Deploy:
        """The deploy with its pull request and the files changed since ``base``."""
        head = landing.deployment.sha
        pull, files = await asyncio.gather(
            self._call(budget, repo, lambda gh: _pull(gh, repo, head)),
            self._call(budget, repo, lambda gh: _files(gh, repo, base, head)),
        )
        return _deploy(service, landing, pull, files)

    def _repo_of(self, service: str) -> str:
        entry = self._catalog.get(service)
        if entry is None or not entry.repo:
            raise SourceUnavailableError(self.name, f"the catalog names no repo for {service}")
        return entry.repo

    async def _call(self, budget: _Budget, repo: str, work: Callable[[Github], T]) -> T:
        """Run ``work`` with this thread's client in a worker thread; our errors out."""

        def run() -> T:
            budget.check()
            return work(self._connection.client())

        try:
            return await asyncio.to_thread(run)
        except _OutOfTimeError as exc:
            raise SourceUnavailableError(
                self.name, f"no answer within {self._deadline:g}s"
            ) from exc
        except BadAttributeException as exc:
            raise SourceUnavailableError(
                self.name, f"GitHub answered an unexpected shape for {repo}"
            ) from exc
        except (GithubException, requests.RequestException) as exc:
            raise unavailable(self.name, exc, repo=repo, api_url=self._connection.api_url) from exc

    def _deployments(
        self, gh: Github, repo: str, query: EvidenceQuery, budget: _Budget
    ) -> list[_Deployment]:
        """Newest first: those of the window, then up to BASE_LOOKBACK older ones."""
        found: list[_Deployment] = []
        described = older = 0
        for deployment in gh.get_repo(repo).get_deployments(environment=self._environment):
            budget.check()
            created = deployment.created_at
            if created > query.until:
                continue
            in_window = created >= query.since and described < MAX_DEPLOYS
            if in_window:
                described += 1
            else:
                older += 1
            creator = deployment.creator
            found.append(
                _Deployment(
                    id=deployment.id,
                    sha=deployment.sha,
                    created_at=created,
                    creator=creator.login if creator is not None else None,
                    description=deployment.description or None,
                    described=in_window,
                )
            )
            if older >= BASE_LOOKBACK:
                break
        return found


def _landing(gh: Github, repo: str, deployment: _Deployment, budget: _Budget) -> _Landing | None:
    """When and how the deployment ended, from its newest terminal status."""
    terminal: tuple[datetime, bool] | None = None
    statuses = gh.get_repo(repo).get_deployment(deployment.id).get_statuses()
    for status in statuses:
        budget.check()
        if status.state in _SUCCESS or status.state in _FAILURE:
            candidate = (status.created_at, status.state in _SUCCESS)
            if terminal is None or candidate[0] > terminal[0]:
                terminal = candidate
    if terminal is None:
        return None
    return _Landing(deployment, terminal[0], terminal[1])


def _with_bases(landings: Sequence[_Landing]) -> list[tuple[_Landing, str | None]]:
    """Each landing in time order with the sha that was running before it: the latest
    successful deploy before it (a failed deploy left the previous one in place)."""
    plan: list[tuple[_Landing, str | None]] = []
    running: str | None = None
    for landing in sorted(landings, key=lambda landing: landing.at):
        plan.append((landing, running))
        if landing.succeeded:
            running = landing.deployment.sha
    return plan


def _pull_of(pull: PullRequest) -> _Pull:
    user = pull.user
    return _Pull(
        number=pull.number,
        title=pull.title,
        author=user.login if user is not None else None,
        url=pull.html_url,
        merged_at=pull.merged_at,
        merge_commit_sha=pull.merge_commit_sha,
    )


def _pull(gh: Github, repo: str, sha: str) -> _Pull | None:
    """The pull request that merged ``sha``; else a merged one containing it; else any."""
    pulls = [_pull_of(p) for p in gh.get_repo(repo).get_commit(sha).get_pulls()]
    for chosen in (
        [p for p in pulls if p.merge_commit_sha == sha],
        [p for p in pulls if p.merged_at is not None],
        pulls,
    ):
        if chosen:
            return chosen[0]
    return None


def _files(gh: Github, repo: str, base: str | None, head: str) -> tuple[str, ...]:
    """Paths changed from ``base`` to ``head``; none when there is nothing to compare with."""
    if base is None or base == head:
        return ()
    return tuple(file.filename for file in gh.get_repo(repo).compare(base, head).files)


def _deploy(service: str, landing: _Landing, pull: _Pull | None, files: tuple[str, ...]) -> Deploy:
    deployment = landing.deployment
    return Deploy(
        service=service,
        sha=deployment.sha,
        at=landing.at,
        author=pull.author if pull is not None else deployment.creator,
        pr=pull.number if pull is not None else None,
        title=pull.title if pull is not None else deployment.description,
        files=files,
        has_migration=has_migration(files),
        succeeded=landing.succeeded,
        url=pull.url if pull is not None else None,
    )


def _commits(gh: Github, repo: str, query: EvidenceQuery, budget: _Budget) -> list[CodeChange]:
    """Commits on the default branch in the window."""
    found: list[CodeChange] = []
    listed = gh.get_repo(repo).get_commits(
        since=query.since.astimezone(UTC), until=query.until.astimezone(UTC)
    )
    for commit in listed:
        budget.check()
        detail = commit.commit
        author = commit.author
        found.append(
            CodeChange(
                service=query.service,
                sha=commit.sha,
                at=detail.committer.date,
                title=detail.message.splitlines()[0] if detail.message else None,
                author=author.login if author is not None else detail.author.name,
                url=commit.html_url,
            )
        )
        if len(found) >= MAX_CHANGES:
            break
    return found


def _merged_pulls(gh: Github, repo: str, query: EvidenceQuery, budget: _Budget) -> list[_Pull]:
    """Pull requests merged in the window, read newest-updated first until older than it; the
    first MAX_PULL_FILES with their changed files (one request each, so a busy repository
    cannot spend the whole deadline on files)."""
    found: list[_Pull] = []
    listed = gh.get_repo(repo).get_pulls(state="closed", sort="updated", direction="desc")
    for read, pull in enumerate(listed, start=1):
        budget.check()
        updated = pull.updated_at
        if read > MAX_CHANGES or (updated is not None and updated < query.since):
            break
        merged_at = pull.merged_at
        if merged_at is not None and query.since <= merged_at <= query.until:
            found.append(_pull_of(pull))
    return [
        _with_files(gh, repo, pull, budget) if index < MAX_PULL_FILES else pull
        for index, pull in enumerate(found)
    ]


def _with_files(gh: Github, repo: str, pull: _Pull, budget: _Budget) -> _Pull:
    """The pull request with the paths it changed (``GET .../pulls/{n}/files``, GitHub's first
    3000), from which whether it migrates the schema is decided."""
    files: list[str] = []
    for file in gh.get_repo(repo).get_pull(pull.number).get_files():
        budget.check()
        files.append(file.filename)
    return replace(pull, files=tuple(files))


def _fold(service: str, commits: Sequence[CodeChange], pulls: Sequence[_Pull]) -> list[CodeChange]:
    """One change per commit, carrying the pull request that merged it; merged pull requests
    whose merge commit is not among the commits (merged elsewhere) stand on their own."""
    by_sha = {change.sha: change for change in commits}
    changes = dict(by_sha)
    for pull in pulls:
        if pull.merged_at is None:
            continue
        sha = pull.merge_commit_sha or f"pull/{pull.number}"
        commit = by_sha.get(sha)
        changes[sha] = CodeChange(
            service=service,
            sha=sha,
            at=commit.at if commit is not None else pull.merged_at,
            title=pull.title,
            author=pull.author,
            pr=pull.number,
            url=pull.url,
            files=pull.files,
            has_migration=has_migration(pull.files),
        )
    return sorted(changes.values(), key=lambda change: change.at)

"""A local GitHub REST API: the few routes the GitHub evidence adapter reads, with GitHub's JSON
shapes, token check, ``Link`` pagination and injectable failures, so the real PyGithub client
runs against it unchanged.

Routes (https://docs.github.com/rest): ``GET /repos/{o}/{r}/deployments`` (``environment``
filter), ``.../deployments/{id}/statuses``, ``.../commits/{sha}/pulls``,
``.../compare/{base}...{head}``, ``.../commits`` (``since``/``until``), ``.../pulls``
(``state``, ``sort=updated``, ``direction``) and ``.../pulls/{number}/files``. Lists are paged
at ``per_page`` (at most ``max_page_size``) with ``Link: <...>; rel="next", <...>; rel="last"``
as GitHub sends it. Issues (``/repos/{o}/{r}/issues...``, for tickets) are
:class:`integrations.github_emulator.IssueTracker`'s routes, mounted here behind the same token
check, in :attr:`FakeGitHub.issues`.

Failures, by path pattern: :meth:`FakeGitHub.fail` answers any status, headers and message
(``rate_limited`` and ``server_error`` are the common ones); :meth:`FakeGitHub.hang` never
answers and sets :attr:`FakeGitHub.abandoned` when the client gives up and disconnects.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.github_emulator import IssueTracker

__all__ = ["FakeCommit", "FakeDeployment", "FakeGitHub", "FakePull", "FakeRepo", "SeenRequest"]

HTML = "https://github.com"
DOCS = "https://docs.github.com/rest"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class FakeDeployment:
    id: int
    sha: str
    created_at: datetime
    statuses: Sequence[tuple[str, datetime]] = ()  # (state, created_at), oldest first
    environment: str = "production"
    creator: str = "deploy-bot"
    description: str | None = None
    ref: str = "main"


@dataclass
class FakePull:
    number: int
    title: str
    author: str
    commits: Sequence[str]  # shas the pull request is associated with
    merged_at: datetime | None
    merge_commit_sha: str | None
    updated_at: datetime
    created_at: datetime | None = None
    files: Sequence[str] = ()  # paths it changed


@dataclass
class FakeCommit:
    sha: str
    at: datetime
    message: str
    author: str | None  # GitHub login; None when the email maps to no account
    author_name: str = "A Developer"


@dataclass
class FakeRepo:
    owner: str
    name: str
    deployments: list[FakeDeployment] = field(default_factory=list)
    pulls: list[FakePull] = field(default_factory=list)
    commits: list[FakeCommit] = field(default_factory=list)
    comparisons: dict[tuple[str, str], Sequence[str]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class _Fault:
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    message: str
    hang: bool = False


class FakeGitHub:
    """Start with ``async with FakeGitHub(token=...) as github:``; ``github.api_url`` is the
    base URL to give PyGithub."""

    def __init__(self, *, token: str, max_page_size: int = 100) -> None:
        self.token = token
        self.max_page_size = max_page_size
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[SeenRequest] = []
        self.abandoned = asyncio.Event()
        self._faults: list[_Fault] = []
        self._server: TestServer | None = None
        self.issues = IssueTracker()

    # -- set-up ---------------------------------------------------------------------------

    def repo(self, full_name: str) -> FakeRepo:
        if full_name not in self.repos:
            owner, name = full_name.split("/")
            self.repos[full_name] = FakeRepo(owner, name)
        return self.repos[full_name]

    def fail(
        self,
        path_pattern: str,
        *,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer requests whose path matches ``path_pattern`` with GitHub's error shape."""
        self._faults.append(_Fault(re.compile(path_pattern), status, headers or {}, message))

    def rate_limited(
        self, path_pattern: str = ".*", *, reset: int = 1772633160, status: int = 403
    ) -> None:
        """The primary rate limit, as GitHub answers it: 403 or 429, remaining 0, reset epoch."""
        self.fail(
            path_pattern,
            status=status,
            message="API rate limit exceeded for user ID 1.",
            headers={
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": "5000",
                "x-ratelimit-reset": str(reset),
                "x-ratelimit-resource": "core",
            },
        )

    def secondary_rate_limited(
        self, path_pattern: str = ".*", *, status: int = 403, retry_after: int | None = None
    ) -> None:
        """The secondary (abuse) rate limit: 403 or 429, with ``retry-after`` when GitHub
        names a wait, while the primary budget still has requests left."""
        headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4990"}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        self.fail(
            path_pattern,
            status=status,
            message=(
                "You have exceeded a secondary rate limit. Please wait a few minutes before you"
                " try again. If you reach out to GitHub Support for help, please include the"
                " request ID ABCD:1234."
            ),
            headers=headers,
        )

    def server_error(self, path_pattern: str = ".*", *, status: int = 502) -> None:
        self.fail(path_pattern, status=status, message="Server Error")

    def hang(self, path_pattern: str) -> None:
        """Never answer requests matching ``path_pattern``."""
        self._faults.append(_Fault(re.compile(path_pattern), 0, {}, "", hang=True))

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeGitHub:
        app = web.Application(middlewares=[self._gate])
        base = "/repos/{owner}/{name}"
        app.router.add_get(f"{base}/deployments", self._deployments)
        app.router.add_get(f"{base}/deployments/{{id}}/statuses", self._statuses)
        app.router.add_get(f"{base}/commits/{{sha}}/pulls", self._commit_pulls)
        app.router.add_get(f"{base}/compare/{{basehead}}", self._compare)
        app.router.add_get(f"{base}/commits", self._commits)
        app.router.add_get(f"{base}/pulls", self._pulls)
        app.router.add_get(f"{base}/pulls/{{number}}/files", self._pull_files)
        self.issues.add_routes(app.router)
        # TestServer binds 127.0.0.1 on a free port and cancels a handler whose client left.
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def api_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return str(self._server.make_url("")).rstrip("/")

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    # -- the gate: record, authenticate, inject ------------------------------------------

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        authorization = request.headers.get("Authorization")
        self.requests.append(
            SeenRequest(request.method, request.path, dict(request.query), authorization)
        )
        if authorization not in (f"token {self.token}", f"Bearer {self.token}"):
            return _error(401, "Bad credentials")
        for fault in self._faults:
            if fault.pattern.search(request.path):
                if fault.hang:
                    try:
                        await asyncio.Event().wait()
                    finally:
                        # Cancelled: the client disconnected (or the server is closing).
                        self.abandoned.set()
                return _error(fault.status, fault.message, fault.headers)
        return await handler(request)

    def _repo(self, request: web.Request) -> FakeRepo:
        full_name = f"{request.match_info['owner']}/{request.match_info['name']}"
        if full_name not in self.repos:
            raise web.HTTPNotFound(
                text='{"message": "Not Found", "documentation_url": "' + DOCS + '"}',
                content_type="application/json",
            )
        return self.repos[full_name]

    # -- routes ---------------------------------------------------------------------------

    async def _deployments(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        environment = request.query.get("environment")
        listed = sorted(repo.deployments, key=lambda d: d.id, reverse=True)  # newest first
        items = [
            self._deployment_json(request, repo, d)
            for d in listed
            if environment is None or d.environment == environment
        ]
        return self._page(request, items)

    async def _statuses(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        wanted = int(request.match_info["id"])
        deployment = next((d for d in repo.deployments if d.id == wanted), None)
        if deployment is None:
            return _error(404, "Not Found")
        items = [
            self._status_json(request, repo, deployment, index, state, at)
            for index, (state, at) in reversed(list(enumerate(deployment.statuses, start=1)))
        ]
        return self._page(request, items)

    async def _commit_pulls(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        sha = request.match_info["sha"]
        items = [self._pull_json(request, repo, p) for p in repo.pulls if sha in p.commits]
        return self._page(request, items)

    async def _compare(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        base, _, head = request.match_info["basehead"].partition("...")
        files = repo.comparisons.get((base, head))
        if files is None:
            return _error(404, f"No common ancestor between {base} and {head}.")
        api = self._api(request)
        commit = {"sha": head, "url": f"{api}/repos/{repo.full_name}/commits/{head}"}
        return web.json_response(
            {
                "url": f"{api}/repos/{repo.full_name}/compare/{base}...{head}",
                "html_url": f"{HTML}/{repo.full_name}/compare/{base}...{head}",
                "permalink_url": f"{HTML}/{repo.full_name}/compare/{base}...{head}",
                "diff_url": f"{HTML}/{repo.full_name}/compare/{base}...{head}.diff",
                "patch_url": f"{HTML}/{repo.full_name}/compare/{base}...{head}.patch",
                "base_commit": {"sha": base, "url": f"{api}/repos/{repo.full_name}/commits/{base}"},
                "merge_base_commit": {
                    "sha": base,
                    "url": f"{api}/repos/{repo.full_name}/commits/{base}",
                },
                "status": "ahead",
                "ahead_by": 1,
                "behind_by": 0,
                "total_commits": 1,
                "commits": [commit],
                "files": [
                    self._file_json(repo, head, index, path) for index, path in enumerate(files)
                ],
            }
        )

    async def _commits(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        since = _parse(request.query.get("since"))
        until = _parse(request.query.get("until"))
        listed = sorted(repo.commits, key=lambda c: c.at, reverse=True)
        items = [
            self._commit_json(request, repo, c)
            for c in listed
            if (since is None or c.at >= since) and (until is None or c.at <= until)
        ]
        return self._page(request, items)

    async def _pulls(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        state = request.query.get("state", "open")
        if request.query.get("sort") != "updated":
            return _error(422, "this fake sorts pull requests by updated only")
        listed = sorted(
            repo.pulls,
            key=lambda p: p.updated_at,
            reverse=request.query.get("direction", "desc") == "desc",
        )
        items = [
            self._pull_json(request, repo, p)
            for p in listed
            if state == "all" or (state == "closed") == (p.merged_at is not None)
        ]
        return self._page(request, items)

    async def _pull_files(self, request: web.Request) -> web.StreamResponse:
        repo = self._repo(request)
        number = int(request.match_info["number"])
        pull = next((p for p in repo.pulls if p.number == number), None)
        if pull is None:
            return _error(404, "Not Found")
        head = pull.merge_commit_sha or "0" * 40
        files = [self._file_json(repo, head, index, path) for index, path in enumerate(pull.files)]
        return self._page(request, files)

    # -- pagination -----------------------------------------------------------------------

    def _page(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        size = min(int(request.query.get("per_page", "30")), self.max_page_size)
        page = int(request.query.get("page", "1"))
        last = max(1, -(-len(items) // size))
        links = []
        if page < last:
            links.append(f'<{request.url.update_query(page=page + 1)}>; rel="next"')
            links.append(f'<{request.url.update_query(page=last)}>; rel="last"')
        if page > 1:
            links.append(f'<{request.url.update_query(page=page - 1)}>; rel="prev"')
            links.append(f'<{request.url.update_query(page=1)}>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        return web.json_response(items[(page - 1) * size : page * size], headers=headers)

    # -- GitHub's JSON shapes --------------------------------------------------------------

    def _api(self, request: web.Request) -> str:
        return str(request.url.origin())

    def _user(self, request: web.Request, login: str) -> dict[str, Any]:
        api = self._api(request)
        return {
            "login": login,
            "id": abs(hash(login)) % 10_000_000,
            "node_id": f"U_{login}",
            "avatar_url": f"{HTML}/images/{login}.png",
            "gravatar_id": "",
            "url": f"{api}/users/{login}",
            "html_url": f"{HTML}/{login}",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
        }

    def _deployment_json(
        self, request: web.Request, repo: FakeRepo, d: FakeDeployment
    ) -> dict[str, Any]:
        api = self._api(request)
        url = f"{api}/repos/{repo.full_name}/deployments/{d.id}"
        updated = d.statuses[-1][1] if d.statuses else d.created_at
        return {
            "url": url,
            "id": d.id,
            "node_id": f"DE_{d.id}",
            "sha": d.sha,
            "ref": d.ref,
            "task": "deploy",
            "payload": {},
            "original_environment": d.environment,
            "environment": d.environment,
            "description": d.description,
            "creator": self._user(request, d.creator),
            "created_at": _iso(d.created_at),
            "updated_at": _iso(updated),
            "statuses_url": f"{url}/statuses",
            "repository_url": f"{api}/repos/{repo.full_name}",
            "transient_environment": False,
            "production_environment": d.environment == "production",
        }

    def _status_json(
        self,
        request: web.Request,
        repo: FakeRepo,
        d: FakeDeployment,
        index: int,
        state: str,
        at: datetime,
    ) -> dict[str, Any]:
        api = self._api(request)
        deployment_url = f"{api}/repos/{repo.full_name}/deployments/{d.id}"
        return {
            "url": f"{deployment_url}/statuses/{d.id * 100 + index}",
            "id": d.id * 100 + index,
            "node_id": f"DES_{d.id}_{index}",
            "state": state,
            "creator": self._user(request, d.creator),
            "description": f"Deployment {state}",
            "environment": d.environment,
            "target_url": f"{HTML}/{repo.full_name}/actions/runs/{d.id}",
            "log_url": f"{HTML}/{repo.full_name}/actions/runs/{d.id}",
            "environment_url": "",
            "created_at": _iso(at),
            "updated_at": _iso(at),
            "deployment_url": deployment_url,
            "repository_url": f"{api}/repos/{repo.full_name}",
        }

    def _pull_json(self, request: web.Request, repo: FakeRepo, p: FakePull) -> dict[str, Any]:
        api = self._api(request)
        url = f"{api}/repos/{repo.full_name}/pulls/{p.number}"
        created = p.created_at or p.updated_at
        head_sha = p.commits[-1] if p.commits else p.merge_commit_sha
        return {
            "url": url,
            "id": 1000 + p.number,
            "node_id": f"PR_{p.number}",
            "html_url": f"{HTML}/{repo.full_name}/pull/{p.number}",
            "diff_url": f"{HTML}/{repo.full_name}/pull/{p.number}.diff",
            "patch_url": f"{HTML}/{repo.full_name}/pull/{p.number}.patch",
            "issue_url": f"{api}/repos/{repo.full_name}/issues/{p.number}",
            "number": p.number,
            "state": "closed" if p.merged_at else "open",
            "locked": False,
            "title": p.title,
            "user": self._user(request, p.author),
            "body": None,
            "labels": [],
            "created_at": _iso(created),
            "updated_at": _iso(p.updated_at),
            "closed_at": _iso(p.merged_at) if p.merged_at else None,
            "merged_at": _iso(p.merged_at) if p.merged_at else None,
            "merge_commit_sha": p.merge_commit_sha,
            "assignees": [],
            "requested_reviewers": [],
            "head": {
                "label": f"{repo.owner}:feature-{p.number}",
                "ref": f"feature-{p.number}",
                "sha": head_sha,
            },
            "base": {"label": f"{repo.owner}:main", "ref": "main", "sha": "0" * 40},
            "author_association": "MEMBER",
            "draft": False,
        }

    def _commit_json(self, request: web.Request, repo: FakeRepo, c: FakeCommit) -> dict[str, Any]:
        api = self._api(request)
        signature = {"name": c.author_name, "email": "dev@example.com", "date": _iso(c.at)}
        return {
            "url": f"{api}/repos/{repo.full_name}/commits/{c.sha}",
            "sha": c.sha,
            "node_id": f"C_{c.sha}",
            "html_url": f"{HTML}/{repo.full_name}/commit/{c.sha}",
            "comments_url": f"{api}/repos/{repo.full_name}/commits/{c.sha}/comments",
            "commit": {
                "url": f"{api}/repos/{repo.full_name}/git/commits/{c.sha}",
                "author": signature,
                "committer": signature,
                "message": c.message,
                "tree": {"url": f"{api}/repos/{repo.full_name}/git/trees/{c.sha}", "sha": c.sha},
                "comment_count": 0,
            },
            "author": self._user(request, c.author) if c.author else None,
            "committer": self._user(request, "web-flow"),
            "parents": [],
        }

    def _file_json(self, repo: FakeRepo, head: str, index: int, path: str) -> dict[str, Any]:
        return {
            "sha": f"{index:040x}",
            "filename": path,
            "status": "modified",
            "additions": 1,
            "deletions": 0,
            "changes": 1,
            "blob_url": f"{HTML}/{repo.full_name}/blob/{head}/{path}",
            "raw_url": f"{HTML}/{repo.full_name}/raw/{head}/{path}",
            "contents_url": f"{HTML}/{repo.full_name}/contents/{path}?ref={head}",
            "patch": "@@ -1 +1,2 @@\n+change",
        }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"message": message, "documentation_url": DOCS, "status": str(status)},
        status=status,
        headers=headers,
    )


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

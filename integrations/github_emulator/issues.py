"""GitHub Issues as PyGithub reads and writes them (https://docs.github.com/rest/issues):
``GET|POST /repos/{o}/{r}/issues`` (``state`` open/closed/all, ``labels`` comma-separated),
``GET|PATCH /repos/{o}/{r}/issues/{number}`` (``title``, ``body``, ``state``,
``state_reason``, ``labels``) and ``GET|POST .../issues/{number}/comments``, with GitHub's JSON
shapes and ``{"message": ..., "documentation_url": ...}`` errors (404, 410 for a repository
whose issues are off, 422 for a bad body).

:class:`IssueTracker` holds the issues and adds its routes to an aiohttp router (the tests'
GitHub stand-in mounts it beside its deploy routes, behind its token check);
:class:`GitHubIssuesEmulator` serves it alone on 127.0.0.1 with the same check, for the demo.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

__all__ = ["GitHubIssuesEmulator", "IssueTracker"]

DOCS = "https://docs.github.com/rest/issues"
HTML = "https://github.com"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message, "documentation_url": DOCS}, status=status)


@dataclass
class IssueTracker:
    """Issues of any repository (created on first use), numbered from 1 per repository."""

    user: str = "incident-bot"
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def add_routes(self, router: web.UrlDispatcher) -> None:
        base = "/repos/{owner}/{name}/issues"
        router.add_get(base, self._list)
        router.add_post(base, self._create)
        router.add_get(f"{base}/{{number}}", self._get)
        router.add_patch(f"{base}/{{number}}", self._edit)
        router.add_get(f"{base}/{{number}}/comments", self._comments)
        router.add_post(f"{base}/{{number}}/comments", self._comment)

    def of(self, full_name: str) -> list[dict[str, Any]]:
        return self.issues.setdefault(full_name, [])

    @staticmethod
    def _repo(request: web.Request) -> str:
        return f"{request.match_info['owner']}/{request.match_info['name']}"

    def _api(self, request: web.Request, tail: str) -> str:
        return f"{request.scheme}://{request.host}/repos/{self._repo(request)}{tail}"

    def _find(self, request: web.Request) -> dict[str, Any] | None:
        try:
            number = int(request.match_info["number"])
        except ValueError:
            return None
        return next((i for i in self.of(self._repo(request)) if i["number"] == number), None)

    def _view(self, request: web.Request, issue: dict[str, Any]) -> dict[str, Any]:
        number = issue["number"]
        return {
            **issue,
            "url": self._api(request, f"/issues/{number}"),
            "comments_url": self._api(request, f"/issues/{number}/comments"),
            "repository_url": self._api(request, ""),
            "html_url": f"{HTML}/{self._repo(request)}/issues/{number}",
            "comments": len(self.comments.get((self._repo(request), number), [])),
        }

    async def _list(self, request: web.Request) -> web.Response:
        state = request.query.get("state", "open")
        wanted = {label for label in request.query.get("labels", "").split(",") if label}
        found = [
            self._view(request, issue)
            for issue in reversed(self.of(self._repo(request)))  # newest first, as GitHub
            if state in ("all", issue["state"])
            and wanted <= {label["name"] for label in issue["labels"]}
        ]
        return web.json_response(found)

    async def _create(self, request: web.Request) -> web.Response:
        fields = await request.json()
        if not isinstance(fields, dict) or not fields.get("title"):
            return _error(422, "Validation Failed: title is missing")
        issues = self.of(self._repo(request))
        now = _now()
        issue = {
            "id": next(self._ids),
            "node_id": f"I_{len(issues) + 1}",
            "number": len(issues) + 1,
            "title": str(fields["title"]),
            "body": fields.get("body"),
            "state": "open",
            "state_reason": None,
            "locked": False,
            "labels": [{"name": str(name), "color": "d73a4a"} for name in fields.get("labels", [])],
            "assignees": [],
            "user": {"login": self.user, "id": 1, "type": "Bot"},
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
        }
        issues.append(issue)
        return web.json_response(self._view(request, issue), status=201)

    async def _get(self, request: web.Request) -> web.Response:
        issue = self._find(request)
        if issue is None:
            return _error(404, "Not Found")
        return web.json_response(self._view(request, issue))

    async def _edit(self, request: web.Request) -> web.Response:
        issue = self._find(request)
        if issue is None:
            return _error(404, "Not Found")
        fields = await request.json()
        state = fields.get("state", issue["state"])
        if state not in ("open", "closed"):
            return _error(422, f"Validation Failed: state {state!r}")
        for key in ("title", "body"):
            if key in fields:
                issue[key] = fields[key]
        if "labels" in fields:
            issue["labels"] = [{"name": str(name), "color": "d73a4a"} for name in fields["labels"]]
        now = _now()
        if state != issue["state"]:
            issue["closed_at"] = now if state == "closed" else None
            issue["state_reason"] = fields.get(
                "state_reason", "completed" if state == "closed" else "reopened"
            )
        issue.update(state=state, updated_at=now)
        return web.json_response(self._view(request, issue))

    async def _comments(self, request: web.Request) -> web.Response:
        issue = self._find(request)
        if issue is None:
            return _error(404, "Not Found")
        return web.json_response(self.comments.get((self._repo(request), issue["number"]), []))

    async def _comment(self, request: web.Request) -> web.Response:
        issue = self._find(request)
        if issue is None:
            return _error(404, "Not Found")
        fields = await request.json()
        if not isinstance(fields, dict) or not fields.get("body"):
            return _error(422, "Validation Failed: body is missing")
        number = issue["number"]
        comment_id = next(self._ids)
        now = _now()
        comment = {
            "id": comment_id,
            "body": str(fields["body"]),
            "user": {"login": self.user, "id": 1, "type": "Bot"},
            "created_at": now,
            "updated_at": now,
            "url": self._api(request, f"/issues/comments/{comment_id}"),
            "html_url": f"{HTML}/{self._repo(request)}/issues/{number}#issuecomment-{comment_id}",
            "issue_url": self._api(request, f"/issues/{number}"),
        }
        self.comments.setdefault((self._repo(request), number), []).append(comment)
        issue["updated_at"] = now
        return web.json_response(comment, status=201)


@dataclass
class GitHubIssuesEmulator:
    """:class:`IssueTracker` alone, behind GitHub's token check, on 127.0.0.1."""

    token: str
    tracker: IssueTracker = field(default_factory=IssueTracker)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application(middlewares=[self._gate])
        self.tracker.add_routes(app.router)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.headers.get("Authorization") not in (
            f"token {self.token}",
            f"Bearer {self.token}",
        ):
            return _error(401, "Bad credentials")
        return await handler(request)

"""PyGithub, set up to fit inside an evidence deadline, and its errors in our words.

PyGithub is synchronous and, left at its defaults, patient: a 15 s socket timeout, a
``GithubRetry`` of 10 retries that sleeps until a rate limit resets (up to an hour) or backs off
on every 5xx, and a 0.25 s pause between any two requests. Inside a packet that must be ready in
a few seconds all of that is wrong: one attempt per request, a socket timeout of the deadline
(whole seconds, rounded up), no pauses. A failure then surfaces at once, and the caller shows
it as "unavailable".

One :class:`github.Github` must not be shared between threads (its connection object keeps the
request being prepared in attributes), so :class:`GitHubConnection` hands each worker thread a
client of its own.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime

import requests
from github import Auth, Github, GithubException
from pydantic import SecretStr

from bot.errors import SourceUnavailableError

__all__ = ["GitHubConnection", "unavailable"]

PER_PAGE = 100  # GitHub's largest page: the fewest round trips


class GitHubConnection:
    """Where GitHub is and how to authenticate; ``timeout`` is seconds per request, and no
    request waits longer for a byte."""

    __slots__ = ("_local", "_token", "api_url", "timeout")

    def __init__(
        self, *, token: SecretStr, api_url: str = "https://api.github.com", timeout: float = 3.0
    ) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"GitHubConnection(api_url={self.api_url!r}, timeout={self.timeout:g})"

    def client(self) -> Github:
        """The calling thread's client, created on first use. The token stays inside PyGithub,
        which masks it in its own debug log."""
        client: Github | None = getattr(self._local, "client", None)
        if client is None:
            client = Github(
                auth=Auth.Token(self._token.get_secret_value()),
                base_url=self.api_url,
                # PyGithub insists on whole seconds; round up so a short deadline still works.
                timeout=max(1, math.ceil(self.timeout)),
                retry=None,  # one attempt: no sleeping on 403/5xx inside a deadline
                seconds_between_requests=None,
                seconds_between_writes=None,
                per_page=PER_PAGE,
                lazy=True,  # objects we only walk through (repo, commit) cost no request
            )
            self._local.client = client
        return client


def unavailable(source: str, exc: Exception, *, repo: str, api_url: str) -> SourceUnavailableError:
    """Our error for a failed GitHub call, with a reason an on-call engineer can act on."""
    if isinstance(exc, GithubException):
        return SourceUnavailableError(source, _http_reason(exc, repo=repo))
    if isinstance(exc, requests.Timeout):
        return SourceUnavailableError(source, f"GitHub did not answer in time ({api_url})")
    if isinstance(exc, requests.ConnectionError):
        return SourceUnavailableError(source, f"cannot connect to GitHub at {api_url}")
    return SourceUnavailableError(source, f"GitHub request failed ({type(exc).__name__})")


def _http_reason(exc: GithubException, *, repo: str) -> str:
    status = exc.status
    headers = {key.lower(): value for key, value in (exc.headers or {}).items()}
    message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else None)
    if status == 401:
        return "GitHub refused the token (401 Bad credentials): check GITHUB_TOKEN"
    if status in (403, 429) and str(headers.get("x-ratelimit-remaining")) == "0":
        return f"GitHub API rate limit exhausted{_reset_time(headers.get('x-ratelimit-reset'))}"
    if status in (403, 429) and "retry-after" in headers:
        return f"GitHub secondary rate limit: retry after {headers['retry-after']}s"
    if status == 429 or (status == 403 and _is_secondary_limit(message)):
        # GitHub's own advice without retry-after: wait at least a minute.
        return f"GitHub secondary rate limit ({status}): retry in a minute or more"
    if status == 403:
        return f"GitHub denied access to {repo} (403{_detail(message)})"
    if status == 404:
        return f"GitHub has no repository {repo} visible to this token (404)"
    if status >= 500:
        return f"GitHub server error ({status}{_detail(message)})"
    return f"GitHub answered {status}{_detail(message)}"


def _is_secondary_limit(message: object) -> bool:
    text = str(message or "").lower()
    return "secondary rate limit" in text or text.endswith("please retry your request again later.")


def _reset_time(reset: object) -> str:
    try:
        at = datetime.fromtimestamp(int(str(reset)), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return ""
    return f" until {at:%H:%M} UTC"


def _detail(message: object) -> str:
    return f": {str(message)[:200]}" if message else ""

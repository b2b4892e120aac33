"""How every call to the API server is bounded and how its failures read, shared by the
evidence source and the action executors: one deadline per operation (each request gets what is
left of it as its timeout) and one reason per kind of failure (``401 Unauthorized: ...``)."""

from __future__ import annotations

import time

import urllib3
from kubernetes.client.exceptions import ApiException

__all__ = ["CALL_ERRORS", "Budget", "failure_reason", "refusal"]

CALL_ERRORS = (ApiException, TimeoutError, urllib3.exceptions.HTTPError)
"""What a call through the client raises when the API server refuses, fails or stays silent."""


class Budget:
    """What is left of one operation's deadline, handed to each request as its timeout."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def timeout(self) -> float:
        """Seconds left; :class:`TimeoutError` once none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def left(self) -> float:
        return max(0.0, self._end - time.monotonic())


def refusal(exc: ApiException) -> str:
    """An API server's refusal as a reason a person can act on."""
    status = int(exc.status or 0)
    if status == 401:
        return "401 Unauthorized: the API server refused the token"
    if status == 403:
        return "403 Forbidden: the bot's account may not do this"
    if status == 404:
        return "404 Not Found"
    if status == 409:
        return "409 Conflict: the object changed after it was read"
    if status == 429:
        retry = (exc.headers or {}).get("Retry-After")
        return "429 Too Many Requests" + (f" (retry after {retry}s)" if retry else "")
    if status >= 500:
        return f"API server error {status} {exc.reason or ''}".rstrip()
    return f"API error {status} {exc.reason or ''}".rstrip()


def failure_reason(exc: BaseException, budget: Budget) -> str:
    """The reason for one of :data:`CALL_ERRORS`."""
    if isinstance(exc, ApiException):
        return refusal(exc)
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return f"cannot reach the API server ({exc})"
    if isinstance(exc, (TimeoutError, urllib3.exceptions.TimeoutError)):
        return f"no answer within {budget.seconds:g}s"
    return f"cannot reach the API server ({type(exc).__name__})"

"""Kubernetes ``Status`` objects: how the API server says no.

Every refusal is a :class:`ApiError` carrying what goes into the ``Status`` body (``reason``,
``message``, ``details``) and the HTTP code; the real client turns that body into an
``ApiException`` whose ``status`` and ``reason`` callers branch on. The messages are the API
server's own wording, so a person reading a log from the emulator sees what a cluster says.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

__all__ = [
    "ApiError",
    "Resource",
    "bad_request",
    "conflict",
    "invalid",
    "not_found",
    "status_response",
    "too_many_requests",
    "unauthorized",
]


class Resource:
    """A resource as the API server names it in messages: ``deployments.apps``, ``pods``."""

    def __init__(self, plural: str, group: str, kind: str) -> None:
        self.plural = plural
        self.group = group
        self.kind = kind

    @property
    def qualified(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def details(self, name: str) -> dict[str, Any]:
        details: dict[str, Any] = {"name": name, "kind": self.plural}
        if self.group:
            details["group"] = self.group
        return details


class ApiError(Exception):
    """A refusal, answered as a ``Status`` with ``code``."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def status_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code, headers=error.headers)


def not_found(resource: Resource, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{resource.qualified} "{name}" not found', resource.details(name)
    )


def conflict(resource: Resource, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        resource.details(name),
    )


def invalid(resource: Resource, name: str, field: str, value: object, why: str) -> ApiError:
    """422 for a value the API's validation rejects (``spec.replicas: Invalid value: -1``)."""
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    cause = f"Invalid value: {shown}: {why}"
    kind = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    return ApiError(
        422,
        "Invalid",
        f'{kind} "{name}" is invalid: {field}: {cause}',
        {
            "name": name,
            "group": resource.group,
            "kind": resource.kind,
            "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}],
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def too_many_requests(retry_after: int = 1) -> ApiError:
    return ApiError(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        {"retryAfterSeconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )

"""What every normalizer shares: the delivery context, the installation's source options, and
small helpers (pydantic error translation, service slugs, keys that fit the signals table)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from pydantic import BaseModel, ValidationError, ValidationInfo

from bot.clock import utc
from bot.errors import PayloadError
from bot.signal.values import EARLIEST_TIME, KEY_LIMIT, LATEST_AHEAD, UNKNOWN_TIME, bounded

__all__ = [
    "EARLIEST_TIME",
    "KEY_LIMIT",
    "LATEST_AHEAD",
    "UNKNOWN_TIME",
    "Delivery",
    "SourceOptions",
    "alert_time",
    "bounded",
    "first_present",
    "service_slug",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


# Teams name deploy workflows "deploy", "Deploy to production", "deploy-prod", "release",
# "Release (k8s)": a failed one of any of these is a failed deploy. A test or lint workflow is not.
DEFAULT_DEPLOY_WORKFLOWS = ("*deploy*", "*release*")


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How this installation configures the sources (from settings): the same for every delivery,
    passed in so that normalizers stay pure functions of their inputs."""

    # GitHub ``workflow_run`` names whose failed runs are failed deploys: names or shell-style
    # patterns (``*deploy*``), compared case-insensitively; runs of any other workflow are
    # ignored.
    github_deploy_workflows: tuple[str, ...] = DEFAULT_DEPLOY_WORKFLOWS


def _no_headers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Delivery:
    """Facts about one webhook delivery that are not in the payload.

    ``headers`` are the request headers with lower-cased names, whatever mapping was passed in
    (aiohttp's case-insensitive one, or a plain dict from a replay); read them with
    :meth:`header`. A replay passes none, so a normalizer that reads a header must also cope
    without it.
    """

    received_at: datetime
    body_digest: str  # SHA-256 of the raw body, hex
    headers: Mapping[str, str] = field(default_factory=_no_headers)
    options: SourceOptions = SourceOptions()

    def __post_init__(self) -> None:
        lowered = {name.lower(): value for name, value in self.headers.items()}
        object.__setattr__(self, "headers", MappingProxyType(lowered))

    def header(self, name: str) -> str | None:
        """The value of header ``name`` in any case, stripped; None when absent or empty."""
        value = self.headers.get(name.lower(), "").strip()
        return value or None


def validate(
    model: type[M], payload: object, *, at: str = "", received_at: datetime | None = None
) -> M:
    """Validate ``payload``; on failure raise :class:`PayloadError` naming the first bad field.

    ``at`` is where ``payload`` sits in the body (``event.data``) when it is only a part of it,
    so the field named is still a path from the top of the body. ``received_at`` is when the
    delivery arrived: :func:`alert_time` refuses times too far ahead of it.
    """
    try:
        return model.model_validate(payload, context={"received_at": received_at})
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = [at] if at else []
        parts.extend(str(part) for part in first["loc"])
        raise PayloadError(first["msg"], field=".".join(parts) or "body") from exc


def alert_time(value: datetime, info: ValidationInfo) -> datetime:
    """A field validator for every time a source sends: the time in UTC (naive is UTC), Go's
    zero time kept as it is (the normalizer reads it as unknown), anything else outside the sane
    range (:data:`EARLIEST_TIME`, :data:`LATEST_AHEAD` of the delivery) a ValueError that
    validation reports naming the field."""
    value = utc(value)
    if value == UNKNOWN_TIME:
        return value
    if value < EARLIEST_TIME:
        raise ValueError(
            f"{value.isoformat()} is before {EARLIEST_TIME.year}: send when the alert started, "
            "or 0001-01-01T00:00:00Z when it is not known"
        )
    context = info.context if isinstance(info.context, Mapping) else {}
    received = context.get("received_at")
    if isinstance(received, datetime) and value > utc(received) + LATEST_AHEAD:
        raise ValueError(
            f"{value.isoformat()} is more than a day ahead of the time it was received "
            f"({utc(received).isoformat()}): check the sending host's clock and time zone"
        )
    return value


def first_present(*values: str | None) -> str | None:
    """The first non-empty value."""
    return next((value for value in values if value), None)


def service_slug(name: str) -> str:
    """A display name as a catalog service name: lower case, each run of other characters one
    hyphen (``"API Service"`` -> ``api-service``); ``unknown`` when nothing is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return bounded(slug) if slug else "unknown"

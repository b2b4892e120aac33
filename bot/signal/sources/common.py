"""What every normalizer shares: the delivery context, the installation's source options, and
small helpers (pydantic error translation, service slugs, keys that fit the signals table)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import PayloadError
from bot.signal.values import KEY_LIMIT, bounded

__all__ = [
    "KEY_LIMIT",
    "Delivery",
    "SourceOptions",
    "bounded",
    "first_present",
    "service_slug",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How this installation configures the sources (from settings): the same for every delivery,
    passed in so that normalizers stay pure functions of their inputs."""

    # GitHub ``workflow_run`` names (compared case-insensitively) whose failed runs are failed
    # deploys; runs of any other workflow are ignored.
    github_deploy_workflows: tuple[str, ...] = ("deploy",)


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


def validate(model: type[M], payload: object, *, at: str = "") -> M:
    """Validate ``payload``; on failure raise :class:`PayloadError` naming the first bad field.

    ``at`` is where ``payload`` sits in the body (``event.data``) when it is only a part of it,
    so the field named is still a path from the top of the body.
    """
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = [at] if at else []
        parts.extend(str(part) for part in first["loc"])
        raise PayloadError(first["msg"], field=".".join(parts) or "body") from exc


def first_present(*values: str | None) -> str | None:
    """The first non-empty value."""
    return next((value for value in values if value), None)


def service_slug(name: str) -> str:
    """A display name as a catalog service name: lower case, each run of other characters one
    hyphen (``"API Service"`` -> ``api-service``); ``unknown`` when nothing is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return bounded(slug) if slug else "unknown"

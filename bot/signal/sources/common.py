"""What every normalizer shares: the delivery context and pydantic error translation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import PayloadError

__all__ = ["Delivery", "first_present", "validate"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Facts about one webhook delivery that are not in the payload."""

    received_at: datetime
    body_digest: str  # SHA-256 of the raw body, hex


def validate(model: type[M], payload: object) -> M:
    """Validate ``payload``; on failure raise :class:`PayloadError` naming the first bad field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise PayloadError(first["msg"], field=field) from exc


def first_present(*values: str | None) -> str | None:
    """The first non-empty value."""
    return next((value for value in values if value), None)

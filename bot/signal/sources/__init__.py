"""Normalizers: one module per alert source, each a pure function from the JSON body the source
posts to the signals it means. Authentication is the webhook handler's job; these only read.

Adding a source is adding a module and one line in :data:`NORMALIZERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from bot.errors import PayloadError
from bot.signal.sources import alertmanager, generic
from bot.signal.sources.common import Delivery
from bot.signal.values import AlertSource, Signal

__all__ = ["NORMALIZERS", "Delivery", "normalize"]

Normalizer = Callable[[object, Delivery], Sequence[Signal]]

NORMALIZERS: Mapping[AlertSource, Normalizer] = MappingProxyType(
    {
        AlertSource.ALERTMANAGER: alertmanager.normalize,
        AlertSource.GENERIC: generic.normalize,
    }
)


def normalize(
    source: AlertSource, payload: object, *, received_at: datetime, body_digest: str
) -> Sequence[Signal]:
    """The signals in ``payload``; :class:`PayloadError` naming the field when it is invalid."""
    normalizer = NORMALIZERS.get(source)
    if normalizer is None:
        raise PayloadError(f"source {source.value!r} is not supported yet")
    return normalizer(payload, Delivery(received_at=received_at, body_digest=body_digest))

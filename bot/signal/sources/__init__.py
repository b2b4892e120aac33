"""Normalizers: one module per alert source, each a pure function from the JSON body the source
posts (and the delivery's headers) to the signals it means. Authentication is the webhook
handler's job; these only read.

A normalizer returns no signal for a delivery the bot deliberately ignores (a PagerDuty note, a
successful deploy, a GitHub ping): the handler answers 2xx so the source neither retries nor
gives up on the webhook. It raises :class:`~bot.errors.PayloadError` for one it cannot read.

Adding a source is adding a module and one line in :data:`NORMALIZERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from bot.clock import utc
from bot.errors import PayloadError
from bot.signal.sources import alertmanager, datadog, generic, github, grafana, pagerduty, sentry
from bot.signal.sources.common import Delivery, SourceOptions
from bot.signal.values import UNKNOWN_TIME, AlertSource, Signal

__all__ = ["NORMALIZERS", "Delivery", "SourceOptions", "normalize"]

Normalizer = Callable[[object, Delivery], Sequence[Signal]]

NORMALIZERS: Mapping[AlertSource, Normalizer] = MappingProxyType(
    {
        AlertSource.PAGERDUTY: pagerduty.normalize,
        AlertSource.DATADOG: datadog.normalize,
        AlertSource.ALERTMANAGER: alertmanager.normalize,
        AlertSource.GRAFANA: grafana.normalize,
        AlertSource.SENTRY: sentry.normalize,
        AlertSource.GITHUB: github.normalize,
        AlertSource.GENERIC: generic.normalize,
    }
)


def normalize(
    source: AlertSource,
    payload: object,
    *,
    received_at: datetime,
    body_digest: str,
    headers: Mapping[str, str] | None = None,
    options: SourceOptions | None = None,
) -> Sequence[Signal]:
    """The signals in ``payload`` (none when the source's event is one the bot ignores);
    :class:`PayloadError` naming the field when it is invalid.

    ``headers`` are the delivery's request headers (some sources put the event type and the
    delivery id there); a replay without them still works. ``options`` default to
    :class:`SourceOptions`' defaults.

    A signal whose source gave Go's zero time as its start (Grafana's and Alertmanager's
    "unknown") starts when it was received; every other time was checked at validation to be
    within the sane range, so the pipeline's date arithmetic never leaves the calendar.
    """
    normalizer = NORMALIZERS.get(source)
    if normalizer is None:
        raise PayloadError(f"source {source.value!r} is not supported yet")
    delivery = Delivery(
        received_at=received_at,
        body_digest=body_digest,
        headers=headers or {},
        options=options or SourceOptions(),
    )
    signals = normalizer(payload, delivery)
    return [
        replace(signal, started_at=utc(received_at))
        if signal.started_at == UNKNOWN_TIME
        else signal
        for signal in signals
    ]

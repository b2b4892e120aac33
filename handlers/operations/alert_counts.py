"""Counting alerts by source and outcome from what each webhook answered.

The webhook routes' answers are a documented contract (``accepted``, ``duplicates``,
``ignored``; a refusal's ``error``), so the counts are taken here, from the answer the source
got, and the routes themselves stay free of metrics code.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.telemetry.metrics import AlertOutcome, Metrics

__all__ = ["alert_counts", "count_answer"]

WEBHOOK_PREFIX = "/webhooks/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def count_answer(metrics: Metrics, source: str, status: int, answer: Any) -> None:
    """Report one webhook answer: each stored alert, each duplicate, or the delivery's one
    refusal or ignore. Answers that are not the routes' JSON are not counted."""
    if not isinstance(answer, dict) or "ok" not in answer:
        return
    if answer["ok"] is not True:
        reason = str(answer.get("error", f"http_{status}"))
        metrics.alerts_received(source, AlertOutcome.REFUSED, reason=reason)
        return
    if answer.get("ignored"):
        metrics.alerts_received(source, AlertOutcome.IGNORED)
        return
    accepted, duplicates = int(answer.get("accepted", 0)), int(answer.get("duplicates", 0))
    if accepted:
        metrics.alerts_received(source, AlertOutcome.ACCEPTED, count=accepted)
    if duplicates:
        metrics.alerts_received(source, AlertOutcome.DUPLICATE, count=duplicates)


def alert_counts(metrics: Metrics) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if (
            request.method == "POST"
            and request.path.startswith(WEBHOOK_PREFIX)
            and isinstance(response, web.Response)
            and isinstance(response.body, bytes)
        ):
            try:
                answer = json.loads(response.body)
            except ValueError:
                return response
            count_answer(metrics, request.path[len(WEBHOOK_PREFIX) :], response.status, answer)
        return response

    return middleware

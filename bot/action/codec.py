"""An :class:`~bot.action.plan.ActionPlan` as JSON-ready data and back: the plan is stored with
its action exactly as it was shown to the approver, and the executor runs that stored plan (whose
hash the approval is bound to), never one rebuilt from a button's value."""

from __future__ import annotations

from typing import Any, Literal, cast

from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterRequest,
    ObservedState,
    Reversal,
    VendorRequest,
    plan_kind,
)

__all__ = ["plan_from_dict", "plan_to_dict"]


def _reversal_to_dict(reversal: Reversal | None) -> dict[str, Any] | None:
    if reversal is None:
        return None
    return {
        "kind": reversal.kind.value,
        "target": str(reversal.target),
        "parameters": reversal.parameters.as_dict(),
        "summary": reversal.summary,
    }


def _request_to_dict(request: ClusterRequest | VendorRequest | None) -> dict[str, Any] | None:
    if request is None:
        return None
    if isinstance(request, VendorRequest):
        return request.as_dict()  # carries ``system``: how a vendor's request reads back
    return {
        "method": request.method,
        "path": request.path,
        "content_type": request.content_type,
        "body": request.body,
    }


def _request_from_dict(raw: dict[str, Any] | None) -> ClusterRequest | VendorRequest | None:
    if raw is None:
        return None
    if "system" in raw:
        return _vendor_request(raw)
    return ClusterRequest(
        method=cast(Literal["PATCH", "DELETE", "POST"], raw["method"]),
        path=str(raw["path"]),
        content_type=raw.get("content_type"),
        body=str(raw["body"]),
    )


def _vendor_request(raw: dict[str, Any]) -> VendorRequest:
    return VendorRequest(
        system=str(raw["system"]),
        method=cast(Literal["POST", "PATCH", "PUT", "DELETE"], raw["method"]),
        path=str(raw["path"]),
        body=str(raw["body"]),
        content_type=raw.get("content_type"),
        idempotency_header=raw.get("idempotency_header"),
        idempotency_key=raw.get("idempotency_key"),
        then=tuple(_vendor_request(dict(follow)) for follow in raw.get("then") or ()),
    )


def plan_to_dict(plan: ActionPlan) -> dict[str, Any]:
    return {
        "kind": plan.kind.value,
        "target": str(plan.target),
        "parameters": plan.parameters.as_dict(),
        "current": plan.current.as_dict(),
        "desired": plan.desired.as_dict(),
        "request": _request_to_dict(plan.request),
        "reversal": _reversal_to_dict(plan.reversal),
        "summary": plan.summary,
        "refusal": plan.refusal,
        "plan_hash": plan.plan_hash,
    }


def plan_from_dict(data: dict[str, Any]) -> ActionPlan:
    """The stored plan; ``ValueError`` when it does not read back to the hash it was stored
    with (an edited row must not run)."""
    raw_reversal = data.get("reversal")
    plan = ActionPlan(
        kind=plan_kind(data["kind"]),
        target=ActionTarget.parse(data["target"]),
        parameters=ActionParameters.from_dict(dict(data.get("parameters") or {})),
        current=ObservedState(**(data.get("current") or {})),
        desired=ObservedState(**(data.get("desired") or {})),
        request=_request_from_dict(data.get("request")),
        reversal=None
        if raw_reversal is None
        else Reversal(
            kind=plan_kind(raw_reversal["kind"]),
            target=ActionTarget.parse(raw_reversal["target"]),
            parameters=ActionParameters.from_dict(dict(raw_reversal.get("parameters") or {})),
            summary=str(raw_reversal.get("summary", "")),
        ),
        summary=str(data.get("summary", "")),
        refusal=data.get("refusal"),
    )
    stored = data.get("plan_hash")
    if stored is not None and stored != plan.plan_hash:
        raise ValueError("the stored plan does not match its hash")
    return plan

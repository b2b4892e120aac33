"""An action as data, before anything is sent: what it changes, the exact request it would send
(to the cluster's API server, or to a vendor's API: a status page, an issue tracker), the state it
was planned from and the plan that would undo it.

:class:`ActionPlan` is what a human approves. Its :attr:`~ActionPlan.plan_hash` covers the kind,
the target, the parameters and the *observed* state, so the same request planned after a newer
deploy landed or after the replicas moved hashes differently: an approval bound to the old hash
no longer applies, and the executor refuses to run a plan whose hash no longer matches the
cluster. A vendor plan's hash also covers its exact request (method, path, body): the text an
approver read is the text the vendor receives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

from bot.action.kinds import ActionKind

__all__ = [
    "ActionParameters",
    "ActionPlan",
    "ActionTarget",
    "ClusterActionKind",
    "ClusterRequest",
    "ObservedState",
    "PlanKind",
    "Reversal",
    "VendorActionKind",
    "VendorRequest",
    "plan_hash",
    "plan_kind",
]


class ClusterActionKind(StrEnum):
    """What the cluster executors can do. Deleting one pod is how one pod is restarted; a
    re-run is a Job made from its CronJob; a config change sets one ConfigMap key, or one
    environment variable of a Deployment (``set_env``, which rolls its pods)."""

    ROLLBACK = "rollback"
    RESTART = "restart"
    SCALE = "scale"
    DELETE_POD = "delete_pod"
    RERUN_JOB = "rerun_job"
    CONFIG_CHANGE = "config_change"
    SET_ENV = "set_env"  # a Deployment's environment variable: a config change by rollout

    @property
    def action_kind(self) -> ActionKind:
        """The kind the policy and the packet speak of (deleting a pod restarts it; setting a
        Deployment's environment variable changes its config)."""
        if self is ClusterActionKind.DELETE_POD:
            return ActionKind.RESTART
        if self is ClusterActionKind.SET_ENV:
            return ActionKind.CONFIG_CHANGE
        return ActionKind(self.value)

    @property
    def resource(self) -> Literal["deployment", "pod", "cronjob", "configmap"]:
        if self is ClusterActionKind.DELETE_POD:
            return "pod"
        if self is ClusterActionKind.RERUN_JOB:
            return "cronjob"
        if self is ClusterActionKind.CONFIG_CHANGE:
            return "configmap"
        return "deployment"

    @property
    def verified_by_itself(self) -> bool:
        """True when the action's own effect is the recovery it aims at: a re-run that
        completed, a value that is in place. Rollouts also need the incident's evidence."""
        return self in (ClusterActionKind.RERUN_JOB, ClusterActionKind.CONFIG_CHANGE)


class VendorActionKind(StrEnum):
    """What vendor executors (:class:`~bot.action.ports.VendorActions`) can do. A kind that
    follows up or undoes another (resolving a status-page incident, closing a ticket, turning a
    flag back on) is a kind of its own, planned and approved like the first."""

    STATUS_UPDATE = "status_update"  # a status-page incident with its components' status
    RESOLVE_STATUS = "resolve_status"  # its follow-up: resolved, components operational
    OPEN_TICKET = "open_ticket"  # an incident ticket with the packet and its source links
    UPDATE_TICKET = "update_ticket"  # a comment on it, closing it on resolution
    PAGE_OWNER = "page_owner"
    FLAG_OFF = "flag_off"
    FLAG_ON = "flag_on"  # turning a flag back on: the reversal of flag_off

    @property
    def action_kind(self) -> ActionKind:
        """The kind the policy and the packet speak of (a follow-up is governed as the kind it
        follows)."""
        return _FOLLOWS.get(self) or ActionKind(self.value)

    @property
    def verified_by_itself(self) -> bool:
        """A vendor action is verified by reading the vendor back: its effect is the point."""
        return True


_FOLLOWS = {
    VendorActionKind.RESOLVE_STATUS: ActionKind.STATUS_UPDATE,
    VendorActionKind.UPDATE_TICKET: ActionKind.OPEN_TICKET,
    VendorActionKind.FLAG_ON: ActionKind.FLAG_OFF,
}

PlanKind = ClusterActionKind | VendorActionKind
"""Any kind an executor plans: the cluster's or a vendor's (their values never collide)."""


def plan_kind(value: str) -> PlanKind:
    """The executor kind stored as ``value``; ValueError for anything else."""
    try:
        return ClusterActionKind(value)
    except ValueError:
        return VendorActionKind(value)


@dataclass(frozen=True, slots=True)
class ActionTarget:
    """A Deployment, or a pod for :attr:`ClusterActionKind.DELETE_POD`, by namespace and name;
    for a vendor, the place and the object in it (a status page's id and its component, a
    repository's owner and name)."""

    namespace: str
    name: str

    def __post_init__(self) -> None:
        for part in (self.namespace, self.name):
            if not part or "/" in part:
                raise ValueError(f"a target is namespace/name, not {self}")

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> ActionTarget:
        """``payments/billing-webhooks``; ValueError for anything else."""
        namespace, _, name = text.strip().partition("/")
        return cls(namespace, name)


_NUMBERS = ("replicas", "to_revision")
_TEXTS = ("key", "value", "title", "text", "status", "ref")


@dataclass(frozen=True, slots=True)
class ActionParameters:
    """``replicas`` for a scale; ``to_revision`` for a rollback (none: the previous one);
    ``key`` and ``value`` for a config change (the ConfigMap key and its new value). For a
    vendor: ``title`` and ``text`` as the vendor will show them, the ``status`` to set (a
    status-page component's, an incident's) and ``ref``, the vendor's object a follow-up acts
    on (a status-page incident id, an issue number)."""

    replicas: int | None = None
    to_revision: int | None = None
    key: str | None = None
    value: str | None = None
    title: str | None = None
    text: str | None = None
    status: str | None = None
    ref: str | None = None

    def as_dict(self) -> dict[str, int | str]:
        """The parameters that are set, as stored with the action."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ActionParameters:
        unknown = sorted(set(raw) - {*_NUMBERS, *_TEXTS})
        if unknown:
            raise ValueError(f"unknown action parameters: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _TEXTS:
                if not isinstance(value, str):
                    raise ValueError(f"{key} must be text")
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} must be a whole number")
            values[key] = value
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ObservedState:
    """What the plan depends on, as read from the cluster (current) or as it will be after the
    action (desired). Only the fields that matter to the kind are set."""

    revision: int | None = None
    image: str | None = None
    replicas: int | None = None
    restarted_at: str | None = None
    pod_uid: str | None = None
    owner: str | None = None  # the ReplicaSet that owns the pod
    uid: str | None = None  # the CronJob's or ConfigMap's, so a re-created one plans anew
    value: str | None = None  # the config key's value
    job: str | None = None  # the CronJob's latest Job (current) or the Job to create (desired)
    job_state: str | None = None  # Complete, Failed or Active
    status: str | None = None  # a vendor object's status (a component's, a ticket's)
    ref: str | None = None  # the vendor object acted on (an incident id, an issue number)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the unset fields (``then`` only when there are follow-ups)."""
        return {
            key: value for key, value in asdict(self).items() if value is not None and value != ()
        }


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    """The exact write: method, API path, content type and JSON body (kept as canonical text so
    the plan stays immutable and prints as sent). ``metadata.resourceVersion`` (or a delete's
    precondition) is added when it is sent: the version read just before the write."""

    method: Literal["PATCH", "DELETE", "POST"]
    path: str
    content_type: str | None
    body: str

    @classmethod
    def of(
        cls,
        method: Literal["PATCH", "DELETE", "POST"],
        path: str,
        content_type: str | None,
        body: Any,
    ) -> ClusterRequest:
        return cls(method, path, content_type, json.dumps(body, sort_keys=True))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class VendorRequest:
    """The exact request a vendor receives: method, path (under the configured API base), JSON
    body as canonical text, and the idempotency key sent with it where the vendor's API takes
    one (``idempotency_header`` names the header). ``then`` are the requests sent after it, in
    order, when an action is more than one call (a comment on a ticket, then closing it); a
    failure stops the rest. Credentials are added when it is sent and are never part of a
    plan."""

    system: str  # ``statuspage``, ``github``, ``pagerduty``...
    method: Literal["POST", "PATCH", "PUT", "DELETE"]
    path: str
    body: str
    content_type: str | None = "application/json"
    idempotency_header: str | None = None
    idempotency_key: str | None = None
    then: tuple[VendorRequest, ...] = ()

    @classmethod
    def of(
        cls,
        system: str,
        method: Literal["POST", "PATCH", "PUT", "DELETE"],
        path: str,
        body: Any,
        *,
        idempotency_header: str | None = None,
        idempotency_key: str | None = None,
        then: tuple[VendorRequest, ...] = (),
    ) -> VendorRequest:
        text = json.dumps(body, sort_keys=True)
        return cls(
            system,
            method,
            path,
            text,
            idempotency_header=idempotency_header,
            idempotency_key=idempotency_key,
            then=then,
        )

    @property
    def calls(self) -> tuple[VendorRequest, ...]:
        """This request and the ones it is followed by, in the order they are sent."""
        return (self, *(call for follow in self.then for call in follow.calls))

    def json(self) -> Any:
        return json.loads(self.body)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the unset fields (``then`` only when there are follow-ups)."""
        return {
            key: value for key, value in asdict(self).items() if value is not None and value != ()
        }


@dataclass(frozen=True, slots=True)
class Reversal:
    """The action that would undo a plan, to be planned afresh (against the state the plan
    leaves behind) when someone asks for it."""

    kind: PlanKind
    target: ActionTarget
    parameters: ActionParameters
    summary: str


def plan_hash(
    kind: PlanKind,
    target: ActionTarget,
    parameters: ActionParameters,
    current: ObservedState,
    request: VendorRequest | None = None,
) -> str:
    """sha256 over the canonical JSON of kind, target, parameters and the observed state, and
    a vendor plan's exact request."""
    document: dict[str, Any] = {
        "kind": kind.value,
        "target": str(target),
        "parameters": parameters.as_dict(),
        "current": current.as_dict(),
    }
    if request is not None:
        document["request"] = request.as_dict()
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """A dry run. ``refusal`` is set when the action cannot run as asked (no previous revision
    to roll back to, nothing to change); such a plan has no request and never executes."""

    kind: PlanKind
    target: ActionTarget
    parameters: ActionParameters
    current: ObservedState
    desired: ObservedState
    request: ClusterRequest | VendorRequest | None
    reversal: Reversal | None
    summary: str
    refusal: str | None = None

    @property
    def plan_hash(self) -> str:
        request = self.request if isinstance(self.request, VendorRequest) else None
        return plan_hash(self.kind, self.target, self.parameters, self.current, request)

    @property
    def executable(self) -> bool:
        return self.refusal is None and self.request is not None

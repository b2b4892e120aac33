"""The emulated cluster's storage: objects by resource, namespace and name, the one
``resourceVersion`` counter every write advances (etcd's revision), and the log of writes.

Objects are kept as the JSON the API returns, and handed out as copies: a caller can never
change the store by editing what it was given. The log (:class:`Change`) is what the control
API shows tests, so they can see what the bot wrote and what the controller did about it.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Literal

from integrations.kube_emulator.status import Resource, not_found

__all__ = [
    "CONFIG_MAPS",
    "CRON_JOBS",
    "DEPLOYMENTS",
    "EVENTS",
    "JOBS",
    "PODS",
    "REPLICA_SETS",
    "Actor",
    "Change",
    "Snapshot",
    "Store",
    "WatchEntry",
]

DEPLOYMENTS = Resource("deployments", "apps", "Deployment")
REPLICA_SETS = Resource("replicasets", "apps", "ReplicaSet")
PODS = Resource("pods", "", "Pod")
EVENTS = Resource("events", "", "Event")
CONFIG_MAPS = Resource("configmaps", "", "ConfigMap")
CRON_JOBS = Resource("cronjobs", "batch", "CronJob")
JOBS = Resource("jobs", "batch", "Job")
RESOURCES = (DEPLOYMENTS, REPLICA_SETS, PODS, EVENTS, CONFIG_MAPS, CRON_JOBS, JOBS)

Actor = Literal["client", "controller", "seed"]
HISTORY = 10_000  # watch events kept; a watch from an older resourceVersion is 410 Gone
_UIDS = uuid.UUID("6b8e3c1a-5d2f-4a7e-9c10-2f4b8d6e1a37")


@dataclass(frozen=True, slots=True)
class Change:
    """One write: which object, by whom (the API's client, or the emulated controllers), with
    which verb (``create``, ``update``, ``patch``, ``delete``), and the resourceVersion after it.
    ``subresource`` is ``status`` or ``scale`` when the write was to one."""

    resource_version: int
    verb: str
    resource: str
    namespace: str
    name: str
    actor: Actor
    patch_type: str | None = None
    subresource: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """One write as a watch reports it: ``ADDED``, ``MODIFIED`` or ``DELETED``, and the object
    as it was right after (a deleted one with the resourceVersion of its deletion)."""

    resource_version: int
    type: str
    resource: str
    obj: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Snapshot:
    objects: dict[str, dict[tuple[str, str], dict[str, Any]]]
    resource_version: int
    serial: int


class Store:
    def __init__(self) -> None:
        self.resource_version = 0
        self.changes: list[Change] = []
        self.history: list[WatchEntry] = []
        self._objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
            resource.plural: {} for resource in RESOURCES
        }
        self._serial = 0

    def serial(self) -> int:
        """A number never handed out before: names, uids and pod IPs derive from it, so runs
        from the same seed give the same names."""
        self._serial += 1
        return self._serial

    def new_uid(self) -> str:
        return str(uuid.uuid5(_UIDS, str(self.serial())))

    def find(self, resource: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        """The stored object itself (not a copy), for the emulator's own code."""
        return self._objects[resource.plural].get((namespace, name))

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        """A copy of the object, or a 404 ``ApiError``."""
        found = self.find(resource, namespace, name)
        if found is None:
            raise not_found(resource, name)
        return copy.deepcopy(found)

    def all(self, resource: Resource, namespace: str | None = None) -> list[dict[str, Any]]:
        """The stored objects themselves, in one namespace or all, by namespace and name."""
        items = self._objects[resource.plural]
        return [items[key] for key in sorted(items) if namespace is None or key[0] == namespace]

    def put(
        self,
        resource: Resource,
        obj: dict[str, Any],
        *,
        verb: str,
        actor: Actor,
        patch_type: str | None = None,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Store ``obj`` under a new resourceVersion and log the write; returns a copy."""
        self.resource_version += 1
        metadata = obj["metadata"]
        metadata["resourceVersion"] = str(self.resource_version)
        key = (metadata["namespace"], metadata["name"])
        new = key not in self._objects[resource.plural]
        self._objects[resource.plural][key] = obj
        self._remember("ADDED" if new else "MODIFIED", resource, obj)
        if actor != "seed":
            self.changes.append(
                Change(
                    self.resource_version,
                    verb,
                    resource.plural,
                    key[0],
                    key[1],
                    actor,
                    patch_type,
                    subresource,
                )
            )
        return copy.deepcopy(obj)

    def delete(self, resource: Resource, namespace: str, name: str, *, actor: Actor) -> None:
        gone = self._objects[resource.plural].pop((namespace, name), None)
        self.resource_version += 1
        if gone is not None:
            gone["metadata"]["resourceVersion"] = str(self.resource_version)
            self._remember("DELETED", resource, gone)
        if actor != "seed":
            self.changes.append(
                Change(self.resource_version, "delete", resource.plural, namespace, name, actor)
            )

    def _remember(self, kind: str, resource: Resource, obj: dict[str, Any]) -> None:
        entry = WatchEntry(self.resource_version, kind, resource.plural, copy.deepcopy(obj))
        self.history.append(entry)
        if len(self.history) > HISTORY:
            del self.history[: len(self.history) - HISTORY]

    def oldest_watchable(self) -> int:
        """The oldest resourceVersion a watch may start from."""
        return self.history[0].resource_version - 1 if self.history else self.resource_version

    # -- dry runs -------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Everything a write may change, to put back after a dry run."""
        return Snapshot(
            copy.deepcopy(self._objects),
            self.resource_version,
            self._serial,
        )

    def restore(self, snapshot: Snapshot) -> None:
        self._objects = snapshot.objects
        self.resource_version = snapshot.resource_version
        version = snapshot.resource_version
        self.changes = [c for c in self.changes if c.resource_version <= version]
        self.history = [e for e in self.history if e.resource_version <= version]
        self._serial = snapshot.serial

"""Discovery and OpenAPI v3: what a client asks before it touches a resource.

``kubectl`` maps ``deploy`` to ``deployments.apps/v1`` through the legacy discovery documents
(``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>/<version>``; the aggregated v2 form is asked
for first and declined by answering plain JSON, as an older API server does), and reads
``/openapi/v3`` to learn whether a PATCH takes ``fieldValidation`` and ``dryRun`` and what a
kind's fields are. The documents describe what the emulator serves: the verbs listed are the
verbs routed, and each kind's schema names its top-level fields only. As those schemas carry no
patch strategies, the PATCH operations list the JSON and merge patch bodies only, so ``kubectl
apply`` computes its strategic merge patch from its compiled-in types (the server still takes
one) instead of from a schema that would call every list atomic.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "API_VERSIONS",
    "GROUPS",
    "VERSION",
    "Served",
    "api_group",
    "api_group_list",
    "api_versions",
    "openapi_document",
    "openapi_root",
    "resource_list",
]


VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-emulator",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass(frozen=True, slots=True)
class Served:
    name: str
    singular: str
    kind: str
    verbs: tuple[str, ...]
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = ()
    # (name, group, version, kind, verbs) of each subresource


API_VERSIONS = {
    "Pod": "v1",
    "Event": "v1",
    "ConfigMap": "v1",
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "CronJob": "batch/v1",
    "Job": "batch/v1",
}
"""Each served kind's apiVersion, as lists, watches and tables carry it."""

_READ = ("get", "list", "watch")
GROUPS: dict[str, tuple[Served, ...]] = {
    "v1": (
        Served(
            "pods",
            "pod",
            "Pod",
            ("delete", "get", "list", "patch", "watch"),
            short_names=("po",),
            categories=("all",),
        ),
        Served("events", "event", "Event", _READ, short_names=("ev",)),
        Served(
            "configmaps",
            "configmap",
            "ConfigMap",
            ("create", "get", "list", "patch", "update", "watch"),
            short_names=("cm",),
        ),
    ),
    "apps/v1": (
        Served(
            "deployments",
            "deployment",
            "Deployment",
            ("create", "get", "list", "patch", "update", "watch"),
            short_names=("deploy",),
            categories=("all",),
            subresources=(
                ("scale", "autoscaling", "v1", "Scale", ("get", "patch", "update")),
                ("status", "", "", "Deployment", ("get",)),
            ),
        ),
        Served(
            "replicasets",
            "replicaset",
            "ReplicaSet",
            _READ,
            short_names=("rs",),
            categories=("all",),
        ),
    ),
    "batch/v1": (
        Served(
            "cronjobs",
            "cronjob",
            "CronJob",
            ("create", "get", "list", "watch"),
            short_names=("cj",),
            categories=("all",),
            subresources=(("status", "", "", "CronJob", ("get",)),),
        ),
        Served(
            "jobs",
            "job",
            "Job",
            ("create", "get", "list", "watch"),
            categories=("all",),
            subresources=(("status", "", "", "Job", ("get",)),),
        ),
    ),
    "authorization.k8s.io/v1": (
        Served(
            "selfsubjectaccessreviews",
            "selfsubjectaccessreview",
            "SelfSubjectAccessReview",
            ("create",),
            namespaced=False,
        ),
        Served(
            "selfsubjectrulesreviews",
            "selfsubjectrulesreview",
            "SelfSubjectRulesReview",
            ("create",),
            namespaced=False,
        ),
    ),
}


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(group_version: str) -> dict[str, Any]:
    name, version = group_version.split("/")
    entry = {"groupVersion": group_version, "version": version}
    return {"name": name, "versions": [entry], "preferredVersion": entry}


def api_group_list() -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(gv) for gv in GROUPS if "/" in gv],
    }


def api_group(name: str) -> dict[str, Any] | None:
    for group_version in GROUPS:
        if group_version.split("/")[0] == name and "/" in group_version:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(group_version)}
    return None


def resource_list(group_version: str) -> dict[str, Any] | None:
    served = GROUPS.get(group_version)
    if served is None:
        return None
    resources: list[dict[str, Any]] = []
    for each in served:
        entry: dict[str, Any] = {
            "name": each.name,
            "singularName": each.singular,
            "namespaced": each.namespaced,
            "kind": each.kind,
            "verbs": list(each.verbs),
        }
        if each.short_names:
            entry["shortNames"] = list(each.short_names)
        if each.categories:
            entry["categories"] = list(each.categories)
        resources.append(entry)
        for name, group, version, kind, verbs in each.subresources:
            sub: dict[str, Any] = {
                "name": f"{each.name}/{name}",
                "singularName": "",
                "namespaced": each.namespaced,
                "kind": kind,
                "verbs": list(verbs),
            }
            if group:
                sub["group"], sub["version"] = group, version
            resources.append(sub)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


# -- OpenAPI v3 ---------------------------------------------------------------------------------


def _openapi_key(group_version: str) -> str:
    return "api/v1" if group_version == "v1" else f"apis/{group_version}"


def _schema_name(group_version: str, kind: str) -> str:
    group, _, version = group_version.rpartition("/")
    if not group:
        package = "core"
    elif group == "authorization.k8s.io":
        package = "authorization"
    else:
        package = group
    return f"io.k8s.api.{package}.{version}.{kind}"


def _gvk(group_version: str, kind: str) -> dict[str, str]:
    group, _, version = group_version.rpartition("/")
    return {"group": group, "version": version, "kind": kind}


def _kind_schema(group_version: str, kind: str) -> dict[str, Any]:
    meta = {"type": "object", "description": "Standard object's metadata."}
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string", "description": "The versioned schema of the object."},
        "kind": {"type": "string", "description": "The REST resource of the object."},
        "metadata": meta,
    }
    if kind == "Event":
        for field in ("involvedObject", "source"):
            properties[field] = {"type": "object"}
        for field in ("reason", "message", "type", "firstTimestamp", "lastTimestamp"):
            properties[field] = {"type": "string"}
        properties["count"] = {"type": "integer", "format": "int32"}
    else:
        properties["spec"] = {"type": "object", "description": f"The desired {kind}."}
        properties["status"] = {"type": "object", "description": f"The observed {kind}."}
    return {
        "type": "object",
        "description": f"{kind} ({group_version}) as this API server serves it.",
        "properties": properties,
        "x-kubernetes-group-version-kind": [_gvk(group_version, kind)],
    }


_PARAMETERS = {
    name: {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
    for name in ("dryRun", "fieldManager", "fieldValidation", "pretty")
}
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json")


def _operation(verb: str, group_version: str, kind: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    operation: dict[str, Any] = {
        "operationId": f"{verb}{kind}",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ref}}}
        },
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": _gvk(group_version, kind),
    }
    if verb in ("patch", "put", "post", "delete"):
        operation["parameters"] = list(_PARAMETERS.values())
    if verb == "patch":
        operation["requestBody"] = {
            "content": {media: {"schema": {"type": "object"}} for media in _PATCH_TYPES},
            "required": True,
        }
    elif verb in ("put", "post"):
        operation["requestBody"] = {"content": {"application/json": {"schema": ref}}}
    return operation


def openapi_document(group_version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group version: its kinds and their paths."""
    served = GROUPS.get(group_version)
    if served is None:
        return None
    prefix = "/" + _openapi_key(group_version)
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for each in served:
        schema = _schema_name(group_version, each.kind)
        schemas[schema] = _kind_schema(group_version, each.kind)
        if not each.namespaced:
            paths[f"{prefix}/{each.name}"] = {
                "post": _operation("post", group_version, each.kind, schema)
            }
            continue
        item: dict[str, Any] = {"get": _operation("get", group_version, each.kind, schema)}
        for verb, method in (("update", "put"), ("patch", "patch"), ("delete", "delete")):
            if verb in each.verbs:
                item[method] = _operation(method, group_version, each.kind, schema)
        paths[f"{prefix}/namespaces/{{namespace}}/{each.name}/{{name}}"] = item
        listing: dict[str, Any] = {"get": _operation("list", group_version, each.kind, schema)}
        if "create" in each.verbs:
            listing["post"] = _operation("post", group_version, each.kind, schema)
        paths[f"{prefix}/namespaces/{{namespace}}/{each.name}"] = listing
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.31.0-emulator"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:128].upper()


def openapi_root() -> dict[str, Any]:
    """``/openapi/v3``: each group version's document, by a URL carrying its hash."""
    paths: dict[str, Any] = {}
    for group_version in GROUPS:
        key = _openapi_key(group_version)
        document = openapi_document(group_version)
        assert document is not None
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(document)}"}
    return {"paths": paths}

"""What a request asks to do, read from its method and path as the API server's request-info
resolver reads it: ``PATCH /apis/apps/v1/namespaces/payments/deployments/web/scale`` is verb
``patch`` on ``deployments/scale`` in group ``apps``, namespace ``payments``, name ``web``."""

from __future__ import annotations

from collections.abc import Mapping

from integrations.kube_emulator.rbac import Attributes

__all__ = ["attributes_of"]

_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def attributes_of(method: str, path: str, query: Mapping[str, str]) -> Attributes:
    parts = [part for part in path.split("/") if part]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        rest = []
        group = ""
    if not rest:
        verb = "get" if method in ("GET", "HEAD") else method.lower()
        return Attributes(verb=verb, path=path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    elif rest[0] == "namespaces":
        # the namespace object itself: /api/v1/namespaces/{name}
        namespace = rest[1] if len(rest) == 2 else ""
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    subresource = rest[2] if len(rest) >= 3 else ""
    if method in ("GET", "HEAD"):
        watching = query.get("watch", "").lower() in ("true", "1")
        verb = "watch" if watching else "get" if name else "list"
    elif method == "DELETE" and not name:
        verb = "deletecollection"
    else:
        verb = _VERBS.get(method, method.lower())
    return Attributes(verb, group, resource, subresource, namespace, name)

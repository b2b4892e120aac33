"""Authentication and RBAC authorization, as the API server does them.

A bearer token names a user: the emulator's own token is an administrator (group
``system:masters``, which RBAC never refuses); other tokens are given to users, usually service
accounts (``system:serviceaccount:<namespace>:<name>``, in the groups
``system:serviceaccounts``, ``system:serviceaccounts:<namespace>`` and ``system:authenticated``).

:class:`Rbac` holds Roles, ClusterRoles, RoleBindings and ClusterRoleBindings loaded from YAML
documents (the project's own manifests) and answers whether a user may do a verb on a resource,
by the rules of the RBAC authorizer: a RoleBinding grants its Role's (or ClusterRole's) rules in
its namespace, a ClusterRoleBinding grants a ClusterRole's everywhere; rules only add, ``*``
matches any; resource names narrow a rule to those objects. Discovery, OpenAPI and ``/version``
are open to every authenticated user (the ``system:discovery`` role), and so are the access
reviews about oneself (``system:basic-user``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from integrations.kube_emulator.status import ApiError

__all__ = [
    "Attributes",
    "Binding",
    "Rbac",
    "Rule",
    "User",
    "forbidden",
    "load_rbac",
    "service_account",
]


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: tuple[str, ...] = ("system:authenticated",)

    @property
    def admin(self) -> bool:
        return "system:masters" in self.groups


def service_account(namespace: str, name: str) -> User:
    return User(
        f"system:serviceaccount:{namespace}:{name}",
        (
            "system:serviceaccounts",
            f"system:serviceaccounts:{namespace}",
            "system:authenticated",
        ),
    )


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a request asks to do, as the authorizer sees it: ``verb`` is the API verb (``get``,
    ``list``, ``watch``, ``create``, ``update``, ``patch``, ``delete``), ``resource`` the plural
    with its ``subresource`` apart; a non-resource request has ``path`` instead."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)

    @property
    def full_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass(frozen=True, slots=True)
class Rule:
    verbs: frozenset[str]
    api_groups: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    resource_names: frozenset[str] = frozenset()
    non_resource_urls: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Rule:
        def words(key: str) -> frozenset[str]:
            value = raw.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"a rule's {key} must be a list of strings")
            return frozenset(value)

        return cls(
            words("verbs"),
            words("apiGroups"),
            words("resources"),
            words("resourceNames"),
            words("nonResourceURLs"),
        )

    def allows(self, attributes: Attributes) -> bool:
        if not ({attributes.verb, "*"} & self.verbs):
            return False
        if not attributes.is_resource:
            return any(
                url == attributes.path
                or (url.endswith("*") and attributes.path.startswith(url[:-1]))
                for url in self.non_resource_urls
            )
        if not ({attributes.group, "*"} & self.api_groups):
            return False
        wanted = {attributes.full_resource, "*"}
        if attributes.subresource:
            wanted.add(f"*/{attributes.subresource}")
        if not (wanted & self.resources):
            return False
        return not self.resource_names or attributes.name in self.resource_names


_OPEN_PATHS = ("/api", "/apis", "/openapi", "/version", "/healthz", "/readyz", "/livez")
_SELF_REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}


@dataclass(frozen=True, slots=True)
class Binding:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding (``namespace`` "")."""

    namespace: str
    name: str
    role_kind: str
    role: str
    subjects: tuple[dict[str, Any], ...]


@dataclass
class Rbac:
    roles: dict[tuple[str, str], list[Rule]] = field(default_factory=dict)
    cluster_roles: dict[str, list[Rule]] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)

    @classmethod
    def from_documents(cls, documents: Iterable[Any]) -> Rbac:
        """Roles and bindings from parsed YAML documents; other kinds are skipped."""
        rbac = cls()
        for document in documents:
            if isinstance(document, dict):
                rbac.add(document)
        return rbac

    def add(self, document: Mapping[str, Any]) -> None:
        kind = document.get("kind")
        metadata = document.get("metadata") or {}
        name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace", ""))
        if kind == "Role":
            rules = [Rule.parse(raw) for raw in document.get("rules") or []]
            self.roles[(namespace or "default", name)] = rules
        elif kind == "ClusterRole":
            self.cluster_roles[name] = [Rule.parse(raw) for raw in document.get("rules") or []]
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            ref = document.get("roleRef") or {}
            where = (namespace or "default") if kind == "RoleBinding" else ""
            subjects = tuple(s for s in document.get("subjects") or [] if isinstance(s, dict))
            self.bindings.append(
                Binding(where, name, str(ref.get("kind")), str(ref.get("name")), subjects)
            )

    def _granted(self, user: User, namespace: str) -> list[tuple[Binding, list[Rule]]]:
        """The bindings that apply to ``user`` in ``namespace`` ("" for cluster scope), each
        with the rules of the role it binds."""
        found: list[tuple[Binding, list[Rule]]] = []
        for binding in self.bindings:
            if binding.namespace and binding.namespace != namespace:
                continue
            if not any(_names(s, user, binding.namespace) for s in binding.subjects):
                continue
            if binding.role_kind == "Role" and binding.namespace:
                found.append((binding, self.roles.get((binding.namespace, binding.role), [])))
            elif binding.role_kind == "ClusterRole":
                found.append((binding, self.cluster_roles.get(binding.role, [])))
        return found

    def rules_for(self, user: User, namespace: str) -> list[Rule]:
        """Every rule that applies to ``user`` in ``namespace`` ("" for cluster scope)."""
        return [rule for _binding, rules in self._granted(user, namespace) for rule in rules]

    def reason(self, user: User, attributes: Attributes) -> str | None:
        """Why RBAC allows the request, in the authorizer's words; None when it does not."""
        for binding, rules in self._granted(user, attributes.namespace):
            if any(rule.allows(attributes) for rule in rules):
                kind = "RoleBinding" if binding.namespace else "ClusterRoleBinding"
                where = f"{binding.name}/{binding.namespace}" if binding.namespace else binding.name
                return (
                    f'RBAC: allowed by {kind} "{where}" of {binding.role_kind} "{binding.role}" '
                    f"to {_subject(user)}"
                )
        return None

    def allows(self, user: User, attributes: Attributes) -> bool:
        if user.admin:
            return True
        if not attributes.is_resource:
            return attributes.path.startswith(_OPEN_PATHS)
        if attributes.group == "authorization.k8s.io" and attributes.resource in _SELF_REVIEWS:
            return attributes.verb == "create"
        return any(rule.allows(attributes) for rule in self.rules_for(user, attributes.namespace))


def load_rbac(paths: Iterable[Path]) -> Rbac:
    """The Roles and bindings in YAML files, or in the ``*.yaml`` files of folders (a manifest
    folder such as ``deploy/kubernetes/``); other kinds are skipped."""
    documents: list[Any] = []
    for path in paths:
        files = (
            sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
        )
        for file in files:
            documents.extend(yaml.safe_load_all(file.read_text()))
    return Rbac.from_documents(documents)


def _subject(user: User) -> str:
    prefix = "system:serviceaccount:"
    if user.name.startswith(prefix):
        namespace, _, name = user.name.removeprefix(prefix).partition(":")
        return f'ServiceAccount "{name}/{namespace}"'
    return f'User "{user.name}"'


def _names(subject: Mapping[str, Any], user: User, binding_namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return user.name == f"system:serviceaccount:{namespace}:{name}"
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    return False


def forbidden(user: User, attributes: Attributes) -> ApiError:
    """The API server's 403: ``deployments.apps "x" is forbidden: User "..." cannot patch
    resource "deployments/scale" in API group "apps" in the namespace "payments"``."""
    if not attributes.is_resource:
        return ApiError(
            403,
            "Forbidden",
            f'forbidden: User "{user.name}" cannot {attributes.verb} path "{attributes.path}"',
            {},
        )
    qualified = (
        f"{attributes.resource}.{attributes.group}" if attributes.group else attributes.resource
    )
    subject = f'{qualified} "{attributes.name}"' if attributes.name else qualified
    scope = (
        f'in the namespace "{attributes.namespace}"'
        if attributes.namespace
        else "at the cluster scope"
    )
    details: dict[str, Any] = {"kind": attributes.resource}
    if attributes.name:
        details["name"] = attributes.name
    if attributes.group:
        details["group"] = attributes.group
    return ApiError(
        403,
        "Forbidden",
        f'{subject} is forbidden: User "{user.name}" cannot {attributes.verb} resource '
        f'"{attributes.full_resource}" in API group "{attributes.group}" {scope}',
        details,
    )

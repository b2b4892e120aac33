"""Who is asking and whether they may: bearer tokens to users, RBAC on every request, the access
reviews (``kubectl auth can-i`` asks with a SelfSubjectAccessReview, ``--list`` with a
SelfSubjectRulesReview), and the record of every request allowed, per user, verb and resource,
which is how a test proves a Role grants exactly what the code uses.

Without an :class:`~integrations.kube_emulator.rbac.Rbac` every authenticated user may do
everything (the ``AlwaysAllow`` authorizer); with one, the emulator's own token stays an
administrator and every other token is held to the Roles bound to it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from integrations.kube_emulator.protobuf import (
    PROTOBUF,
    ProtobufError,
    access_review_spec,
    rules_review_spec,
)
from integrations.kube_emulator.rbac import Attributes, Rbac, Rule, User, forbidden
from integrations.kube_emulator.request_info import attributes_of
from integrations.kube_emulator.status import ApiError, bad_request, unauthorized

__all__ = ["ADMIN", "USER", "Access"]

ADMIN = User("kube-emulator-admin", ("system:masters", "system:authenticated"))
USER = web.RequestKey("user", User)  # who sent the request, once authenticated
REVIEWS = "/apis/authorization.k8s.io/v1"


class Access:
    def __init__(self, token: str, users: Mapping[str, User], rbac: Rbac | None) -> None:
        self._users = {**users, token: ADMIN}
        self.rbac = rbac
        # (user, verb, group, resource[/subresource], namespace or "") -> requests allowed
        self.allowed: Counter[tuple[str, str, str, str, str]] = Counter()

    def authenticate(self, request: web.Request) -> User:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = self._users.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            raise unauthorized()
        return user

    def authorize(self, user: User, request: web.Request) -> Attributes:
        attributes = attributes_of(request.method, request.path, request.query)
        if not self.allows(user, attributes):
            raise forbidden(user, attributes)
        if attributes.is_resource:
            key = (
                user.name,
                attributes.verb,
                attributes.group,
                attributes.full_resource,
                attributes.namespace,
            )
            self.allowed[key] += 1
        return attributes

    def allows(self, user: User, attributes: Attributes) -> bool:
        return self.rbac is None or self.rbac.allows(user, attributes)

    def record(self) -> list[dict[str, Any]]:
        return [
            {
                "user": user,
                "verb": verb,
                "group": group,
                "resource": resource,
                "namespace": namespace,
                "count": count,
            }
            for (user, verb, group, resource, namespace), count in sorted(self.allowed.items())
        ]

    # -- reviews --------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{REVIEWS}/selfsubjectaccessreviews", self.access_review)
        app.router.add_post(f"{REVIEWS}/selfsubjectrulesreviews", self.rules_review)

    async def _review(self, request: web.Request, kind: str) -> dict[str, Any]:
        """The review's body as JSON; ``kubectl`` sends it as protobuf."""
        if request.content_type == PROTOBUF:
            read = access_review_spec if kind == "SelfSubjectAccessReview" else rules_review_spec
            try:
                return {"spec": read(await request.read())}
            except (ProtobufError, UnicodeDecodeError) as exc:
                raise bad_request(f"the body of the request could not be decoded: {exc}") from exc
        # no Content-Type is JSON, the API server's first media type (the Python client sends none)
        if "Content-Type" in request.headers and request.content_type != "application/json":
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types "
                f"include: application/json, {PROTOBUF}",
                {},
            )
        try:
            body = json.loads(await request.text())
        except ValueError as exc:
            raise bad_request(f"the body of the request could not be decoded: {exc}") from exc
        if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
            raise bad_request(f"the body of the request is not a {kind}")
        return body

    async def access_review(self, request: web.Request) -> web.Response:
        body = await self._review(request, "SelfSubjectAccessReview")
        spec = body["spec"]
        user = request[USER]
        raw = spec.get("resourceAttributes")
        other = spec.get("nonResourceAttributes")
        if isinstance(raw, dict):
            attributes = Attributes(
                verb=str(raw.get("verb", "")),
                group=str(raw.get("group", "")),
                resource=str(raw.get("resource", "")),
                subresource=str(raw.get("subresource", "")),
                namespace=str(raw.get("namespace", "")),
                name=str(raw.get("name", "")),
            )
        elif isinstance(other, dict):
            attributes = Attributes(verb=str(other.get("verb", "")), path=str(other.get("path")))
        else:
            raise ApiError(
                422,
                "Invalid",
                "SelfSubjectAccessReview.authorization.k8s.io is invalid: "
                'spec.resourceAttributes: Invalid value: "null": exactly one of '
                "nonResourceAttributes or resourceAttributes must be specified",
                {"group": "authorization.k8s.io", "kind": "SelfSubjectAccessReview"},
            )
        allowed = self.allows(user, attributes)
        status: dict[str, Any] = {"allowed": allowed}
        reason = self.rbac.reason(user, attributes) if self.rbac and allowed else None
        if reason is not None and attributes.is_resource:
            status["reason"] = reason
        return web.json_response(
            {
                "kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "spec": spec,
                "status": status,
            },
            status=201,
        )

    async def rules_review(self, request: web.Request) -> web.Response:
        body = await self._review(request, "SelfSubjectRulesReview")
        spec = body["spec"]
        user = request[USER]
        namespace = str(spec.get("namespace", ""))
        if user.admin or self.rbac is None:
            rules = [Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"}))]
        else:
            rules = self.rbac.rules_for(user, namespace)
            rules.append(
                Rule(
                    frozenset({"create"}),
                    frozenset({"authorization.k8s.io"}),
                    frozenset({"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                )
            )
        resource_rules = [
            {
                "verbs": sorted(rule.verbs),
                "apiGroups": sorted(rule.api_groups),
                "resources": sorted(rule.resources),
                **({"resourceNames": sorted(rule.resource_names)} if rule.resource_names else {}),
            }
            for rule in rules
            if rule.resources
        ]
        non_resource = [
            {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*"]},
            {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version"]},
            {"verbs": ["get"], "nonResourceURLs": ["/openapi", "/openapi/*"]},
        ]
        return web.json_response(
            {
                "kind": "SelfSubjectRulesReview",
                "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "spec": spec,
                "status": {
                    "resourceRules": resource_rules,
                    "nonResourceRules": non_resource,
                    "incomplete": False,
                },
            },
            status=201,
        )

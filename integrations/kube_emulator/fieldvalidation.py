"""Server-side field validation (``?fieldValidation=Strict``, which ``kubectl apply`` and
``kubectl diff`` send): a body naming a field the kind does not have is refused with 400 and the
API server's ``strict decoding error: unknown field "spec.replica"``, instead of the field being
dropped. Without ``Strict`` unknown fields are dropped silently, as with ``Ignore``.

The kinds' fields come from the official client's models, generated from the same OpenAPI
document as the API server's types: each model maps its attributes to JSON names and types
(``List[V1Container]``, ``Dict[str, str]``, ``V1ObjectMeta``). Patch directives (``$patch``,
``$setElementOrder/...``) are not fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubernetes import client as models

from integrations.kube_emulator.status import ApiError

__all__ = ["check_fields", "kind_at"]

_KINDS = {
    "Deployment": "V1Deployment",
    "Pod": "V1Pod",
    "Scale": "V1Scale",
    "ConfigMap": "V1ConfigMap",
    "CronJob": "V1CronJob",
    "Job": "V1Job",
}


def _unknown(value: Any, type_name: str, path: str) -> list[str]:
    if type_name.startswith("List[") and isinstance(value, list):
        inner = type_name[5:-1]
        return [f for i, item in enumerate(value) for f in _unknown(item, inner, f"{path}[{i}]")]
    if type_name.startswith("Dict[") and isinstance(value, dict):
        inner = type_name[5:-1].split(", ", 1)[1]
        return [f for key, item in value.items() for f in _unknown(item, inner, f"{path}.{key}")]
    model = getattr(models, type_name, None)
    names: Mapping[str, str] | None = getattr(model, "attribute_map", None)
    types: Mapping[str, str] | None = getattr(model, "openapi_types", None)
    if names is None or types is None or not isinstance(value, dict):
        return []
    by_json = {json_name: attribute for attribute, json_name in names.items()}
    found: list[str] = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key.startswith("$"):
            continue
        attribute = by_json.get(key)
        if attribute is None:
            found.append(where)
        else:
            found.extend(_unknown(item, types[attribute], where))
    return found


def kind_at(path: str) -> str:
    """The kind a write to ``path`` carries."""
    if path.endswith("/scale"):
        return "Scale"
    for part, kind in (("/pods", "Pod"), ("/configmaps", "ConfigMap"), ("/cronjobs", "CronJob")):
        if part in path:
            return kind
    return "Job" if "/jobs" in path else "Deployment"


def check_fields(query: Mapping[str, str], body: Any, kind: str, *, patch: bool) -> None:
    """Refuse ``body`` (an object, or a merge or strategic merge patch of one) when the request
    asks for strict validation and the body names fields ``kind`` does not have."""
    if query.get("fieldValidation") != "Strict" or not isinstance(body, dict):
        return
    unknown = _unknown(body, _KINDS[kind], "")
    if not unknown:
        return
    fields = ", ".join(f'unknown field "{field}"' for field in unknown)
    prefix = "" if patch else f'{kind} in version "v1" cannot be handled as a {kind}: '
    raise ApiError(400, "BadRequest", f"{prefix}strict decoding error: {fields}")

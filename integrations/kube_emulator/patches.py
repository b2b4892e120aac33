"""The three patch formats the API server takes on built-in resources.

- JSON Patch (RFC 6902, ``application/json-patch+json``): a list of operations on JSON pointers;
  ``kubectl rollout undo`` replaces ``/spec/template`` this way.
- JSON Merge Patch (RFC 7386, ``application/merge-patch+json``): objects merge, ``null`` deletes,
  lists are replaced whole.
- Strategic merge patch (``application/strategic-merge-patch+json``, what ``kubectl patch``,
  ``kubectl set image`` and ``kubectl rollout restart`` send): a merge patch where lists of
  objects with a *patch merge key* (containers by ``name``, ports by ``containerPort``...) merge
  item by item, with the ``$patch``, ``$retainKeys``, ``$setElementOrder`` and
  ``$deleteFromPrimitiveList`` directives.

A patch that cannot apply raises :class:`PatchError`; the API answers it with 422 (or 400 for a
body of the wrong shape).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "JSON_PATCH",
    "MERGE_PATCH",
    "PATCH_TYPES",
    "STRATEGIC_MERGE_PATCH",
    "PatchError",
    "apply_patch",
    "json_patch",
    "merge_patch",
    "strategic_merge_patch",
]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)

# The patch merge keys of the lists these objects hold (from the API's struct tags); a list not
# named here is replaced whole, as for a merge patch.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "volumes": "name",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
    "ownerReferences": "uid",
    "containerStatuses": "name",
    "initContainerStatuses": "name",
    "resourceClaims": "name",
    "topologySpreadConstraints": "topologyKey",
}


class PatchError(ValueError):
    """The patch does not apply to the object; the message says why."""


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    """``patch`` (parsed JSON) applied to a copy of ``target`` by the format ``content_type``."""
    if content_type == JSON_PATCH:
        return json_patch(target, patch)
    if not isinstance(patch, dict):
        raise PatchError("a merge patch must be a JSON object")
    if content_type == MERGE_PATCH:
        merged = merge_patch(target, patch)
    else:
        merged = strategic_merge_patch(target, patch)
    if not isinstance(merged, dict):
        raise PatchError("the patched object is not an object")
    return merged


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and key in MERGE_KEYS:
            result[key] = _merge_list(result.get(key), value, MERGE_KEYS[key])
        else:
            merged = strategic_merge_patch(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(current: Any, patch: list[Any], merge_key: str) -> list[Any]:
    items = copy.deepcopy(current) if isinstance(current, list) else []
    for entry in patch:
        if not isinstance(entry, dict):
            raise PatchError(f"a {merge_key}-keyed list takes objects, not {entry!r}")
        if entry.get("$patch") == "replace":
            return [copy.deepcopy({k: v for k, v in e.items() if k != "$patch"}) for e in patch]
        key = entry.get(merge_key)
        index = next(
            (
                i
                for i, item in enumerate(items)
                if isinstance(item, dict) and item.get(merge_key) == key
            ),
            None,
        )
        if entry.get("$patch") == "delete":
            if index is not None:
                del items[index]
        elif index is None:
            items.append(strategic_merge_patch({}, entry))
        else:
            items[index] = strategic_merge_patch(items[index], entry)
    return items


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"the path {path!r} is not a JSON pointer")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f'doc is missing path: "{path}"')
    return node, parts[-1]


def _get(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return document
    node, last = _parent(document, parts, path)
    if isinstance(node, dict) and last in node:
        return node[last]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node[int(last)]
    raise PatchError(f'doc is missing path: "{path}"')


def _index(node: list[Any], last: str, path: str, *, adding: bool) -> int:
    if adding and last == "-":
        return len(node)
    limit = len(node) + 1 if adding else len(node)
    if not last.isdigit() or int(last) >= limit:
        raise PatchError(f'unable to access invalid index: "{path}"')
    return int(last)


def _add(document: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    node, last = _parent(document, parts, path)
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        node.insert(_index(node, last, path, adding=True), value)
    else:
        raise PatchError(f'doc is missing path: "{path}"')
    return document


def _remove(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    node, last = _parent(document, parts, path)
    if isinstance(node, dict) and last in node:
        return node.pop(last)
    if isinstance(node, list):
        return node.pop(_index(node, last, path, adding=False))
    raise PatchError(f"Unable to remove nonexistent key: {last}: missing value")


def json_patch(target: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    document: Any = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise PatchError(f"invalid JSON patch operation: {operation!r}")
        op, path = operation.get("op"), operation["path"]
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"operation {op} on {path} has no value")
        if op == "add":
            document = _add(document, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(document, path)
        elif op == "replace":
            _get(document, path)
            if _pointer(path):
                _remove(document, path)
            document = _add(document, path, copy.deepcopy(operation["value"]))
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise PatchError(f"operation {op} on {path} has no from")
            value = (
                _remove(document, source) if op == "move" else copy.deepcopy(_get(document, source))
            )
            document = _add(document, path, value)
        elif op == "test":
            if _get(document, path) != operation["value"]:
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"unexpected kind of operation: {op!r}")
    if not isinstance(document, dict):
        raise PatchError("the patched object is not an object")
    return document

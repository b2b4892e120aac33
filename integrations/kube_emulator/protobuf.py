"""Just enough of Kubernetes' protobuf encoding to read the access reviews ``kubectl auth can-i``
sends: its typed client posts them as ``application/vnd.kubernetes.protobuf`` and does not fall
back to JSON. A body is the magic ``k8s\\0`` then a ``runtime.Unknown`` (1: typeMeta {1:
apiVersion, 2: kind}, 2: raw), the raw being the object's message; the answer goes back as JSON,
which the client also accepts. Field numbers are those of k8s.io/api/authorization/v1's
generated.proto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["PROTOBUF", "ProtobufError", "access_review_spec", "rules_review_spec"]

PROTOBUF = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    """The body is not a protobuf message of the expected shape."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise ProtobufError("a varint runs past the end of the message")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> Iterator[tuple[int, bytes | int]]:
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            yield number, value
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ProtobufError("a field runs past the end of the message")
            yield number, data[at : at + length]
            at += length
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")


def _strings(data: bytes, names: dict[int, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for number, value in _fields(data):
        if number in names and isinstance(value, bytes):
            found[names[number]] = value.decode()
    return found


def _message(data: bytes, number: int) -> bytes | None:
    for found, value in _fields(data):
        if found == number and isinstance(value, bytes):
            return value
    return None


def _raw(body: bytes, kind: str) -> bytes:
    if not body.startswith(_MAGIC):
        raise ProtobufError("the body does not start with the protobuf magic number")
    unknown = body[len(_MAGIC) :]
    type_meta = _message(unknown, 1) or b""
    meta = _strings(type_meta, {1: "apiVersion", 2: "kind"})
    if meta.get("kind") != kind:
        raise ProtobufError(f"the body is a {meta.get('kind') or 'message'}, not a {kind}")
    return _message(unknown, 2) or b""


_RESOURCE = {
    1: "namespace",
    2: "verb",
    3: "group",
    4: "version",
    5: "resource",
    6: "subresource",
    7: "name",
}


def access_review_spec(body: bytes) -> dict[str, Any]:
    """The ``spec`` of a SelfSubjectAccessReview, as its JSON would have it."""
    spec_bytes = _message(_raw(body, "SelfSubjectAccessReview"), 2) or b""
    spec: dict[str, Any] = {}
    resource = _message(spec_bytes, 1)
    if resource is not None:
        spec["resourceAttributes"] = _strings(resource, _RESOURCE)
    other = _message(spec_bytes, 2)
    if other is not None:
        spec["nonResourceAttributes"] = _strings(other, {1: "path", 2: "verb"})
    return spec


def rules_review_spec(body: bytes) -> dict[str, Any]:
    """The ``spec`` of a SelfSubjectRulesReview (its namespace)."""
    spec_bytes = _message(_raw(body, "SelfSubjectRulesReview"), 2) or b""
    return _strings(spec_bytes, {1: "namespace"})

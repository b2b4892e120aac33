"""Label and field selectors, parsed as the API server parses them.

A label selector is ``app=web,tier!=db,env in (prod,staging),!canary,track``; a field selector is
``involvedObject.name=web-1,type!=Normal`` over the fields each resource supports. A selector that
does not parse, or names an unsupported field, is a 400 ``BadRequest`` like the real server's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.kube_emulator.status import bad_request

__all__ = ["FIELDS", "FieldSelector", "LabelSelector", "selector_string"]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQUALITY = re.compile(rf"^\s*({_KEY})\s*(==|!=|=)\s*({_VALUE})\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")

Labels = Mapping[str, str]


def _split(text: str) -> list[str]:
    """Split on the commas that are not inside ``( )``."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


@dataclass(frozen=True, slots=True)
class LabelSelector:
    requirements: tuple[Callable[[Labels], bool], ...]

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        if not text:
            return cls(())
        return cls(tuple(_requirement(part) for part in _split(text)))

    def matches(self, labels: Labels | None) -> bool:
        labels = labels or {}
        return all(requirement(labels) for requirement in self.requirements)


def _requirement(part: str) -> Callable[[Labels], bool]:
    if found := _SET.match(part):
        key, operator = found.group(1), found.group(3)
        values = {value.strip() for value in found.group(4).split(",") if value.strip()}
        if operator == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if found := _EQUALITY.match(part):
        key, operator, value = found.group(1), found.group(3), found.group(4)
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if found := _EXISTS.match(part):
        negated, key = found.group(1) == "!", found.group(2)
        return lambda labels: (key in labels) != negated
    raise bad_request(f"unable to parse requirement: found '{part.strip()}', expected: selector")


def selector_string(match_labels: Mapping[str, str]) -> str:
    """``matchLabels`` as the selector string a Scale's ``status.selector`` carries."""
    return ",".join(f"{key}={match_labels[key]}" for key in sorted(match_labels))


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """``field=value`` and ``field!=value`` terms, over the fields a resource supports
    (``fields`` maps a field label to how to read it from an object)."""

    terms: tuple[tuple[Callable[[dict[str, Any]], str], str, bool], ...]

    @classmethod
    def parse(
        cls, text: str | None, fields: Mapping[str, Callable[[dict[str, Any]], str]]
    ) -> FieldSelector:
        if not text:
            return cls(())
        terms = []
        for part in _split(text):
            found = re.match(r"^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$", part)
            if found is None:
                raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
            label, operator, value = found.groups()
            if label not in fields:
                raise bad_request(f"field label not supported: {label}")
            terms.append((fields[label], value, operator == "!="))
        return cls(tuple(terms))

    def matches(self, obj: dict[str, Any]) -> bool:
        return all((read(obj) == value) != negated for read, value, negated in self.terms)


Obj = dict[str, Any]


def _meta(field: str) -> Callable[[Obj], str]:
    return lambda obj: str(obj["metadata"].get(field, ""))


def _at(*path: str) -> Callable[[Obj], str]:
    def read(obj: Obj) -> str:
        node: Any = obj
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return "" if node == {} or node is None else str(node)

    return read


_COMMON_FIELDS = {"metadata.name": _meta("name"), "metadata.namespace": _meta("namespace")}
FIELDS: dict[str, dict[str, Callable[[Obj], str]]] = {
    "deployments": dict(_COMMON_FIELDS),
    "configmaps": dict(_COMMON_FIELDS),
    "cronjobs": dict(_COMMON_FIELDS),
    "jobs": {**_COMMON_FIELDS, "status.successful": _at("status", "succeeded")},
    "replicasets": {**_COMMON_FIELDS, "status.replicas": _at("status", "replicas")},
    "pods": {
        **_COMMON_FIELDS,
        "spec.nodeName": _at("spec", "nodeName"),
        "spec.restartPolicy": _at("spec", "restartPolicy"),
        "spec.schedulerName": _at("spec", "schedulerName"),
        "spec.serviceAccountName": _at("spec", "serviceAccountName"),
        "status.phase": _at("status", "phase"),
        "status.podIP": _at("status", "podIP"),
    },
    "events": {
        **_COMMON_FIELDS,
        **{
            f"involvedObject.{name}": _at("involvedObject", name)
            for name in (
                "kind",
                "namespace",
                "name",
                "uid",
                "apiVersion",
                "resourceVersion",
                "fieldPath",
            )
        },
        "reason": _at("reason"),
        "reportingComponent": _at("reportingComponent"),
        "source": _at("source", "component"),
        "type": _at("type"),
    },
}

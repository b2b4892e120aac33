"""Backstage's descriptor format (``catalog-info.yaml``), read for ``kind: Component``.

A file may hold several entities separated by ``---``; entities of other kinds (Group, System,
API, Resource, Location...) are skipped. A Component becomes a catalog entry:

==================================================  =========================================
descriptor                                          entry
==================================================  =========================================
``metadata.name``                                   ``service``
``spec.owner`` (``group:default/payments``)         ``owner``: the reference's name part
``spec.dependsOn`` (``component:default/x``,        ``depends_on``: each reference's name part
``resource:billing-db``)
``github.com/project-slug`` annotation              ``repo`` (``org/name``)
``backstage.io/kubernetes-namespace`` annotation    ``namespace``
``pagerduty.com/service-id`` annotation             ``pagerduty_service``
``incident-bot/slack-group`` annotation             ``slack_group`` (the on-call Slack group)
``incident-bot/tier`` annotation                    ``tier`` (a whole number)
``incident-bot/runbooks`` annotation                ``runbooks`` (ids separated by commas)
==================================================  =========================================

Entity references are ``[<kind>:][<namespace>/]<name>`` (Backstage's "Entity References").
Validation follows Backstage's own rules for what a Component must have (``apiVersion``
``backstage.io/v1alpha1`` or ``v1beta1``, ``metadata.name``, ``spec.type``, ``spec.lifecycle``,
``spec.owner``); keys this bot does not read are allowed, as Backstage allows them. Any problem
is a :class:`~bot.errors.ConfigFileError` naming file, line and key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.catalog import Catalog, EntryOrigin, FallbackKind, ServiceEntry
from bot.configfile import Text, YamlDocument, parse_yaml_stream, validate_document
from bot.errors import ConfigFileError

__all__ = [
    "ANNOTATIONS",
    "ComponentEntity",
    "find_descriptor_files",
    "load_backstage_catalog",
    "parse_descriptors",
    "reference_name",
]

ANNOTATIONS = {
    "repo": "github.com/project-slug",
    "namespace": "backstage.io/kubernetes-namespace",
    "pagerduty_service": "pagerduty.com/service-id",
    "slack_group": "incident-bot/slack-group",
    "tier": "incident-bot/tier",
    "runbooks": "incident-bot/runbooks",
}
DESCRIPTOR_NAMES = ("catalog-info.yaml", "catalog-info.yml")
_SKIPPED_FOLDERS = {".git", "node_modules", ".venv", "__pycache__"}

EntityName = Annotated[str, Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")]
EntityRef = Annotated[str, Field(pattern=r"^(?:[A-Za-z0-9-]+:)?(?:[A-Za-z0-9._-]+/)?[^:/\s]+$")]


class _Open(BaseModel):
    """Backstage entities carry many keys this bot does not read: they are allowed."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class _Metadata(_Open):
    name: EntityName
    namespace: EntityName = "default"
    annotations: dict[str, str] = {}


class _ComponentSpec(_Open):
    type: Text
    lifecycle: Text
    owner: EntityRef
    depends_on: tuple[EntityRef, ...] = Field(default=(), alias="dependsOn")


class ComponentEntity(_Open):
    api_version: Literal["backstage.io/v1alpha1", "backstage.io/v1beta1"] = Field(
        alias="apiVersion"
    )
    kind: Literal["Component"]
    metadata: _Metadata
    spec: _ComponentSpec


def reference_name(ref: str) -> str:
    """The name part of an entity reference: ``group:default/payments`` is ``payments``."""
    return ref.rpartition(":")[2].rpartition("/")[2]


def _annotation(document: YamlDocument, entity: ComponentEntity, field: str) -> str | None:
    value = entity.metadata.annotations.get(ANNOTATIONS[field])
    if value is not None and not value.strip():
        raise document.error(("metadata", "annotations", ANNOTATIONS[field]), "must not be empty")
    return value.strip() if value is not None else None


def _tier(document: YamlDocument, entity: ComponentEntity) -> int | None:
    text = _annotation(document, entity, "tier")
    if text is None:
        return None
    if not text.isdigit():
        raise document.error(
            ("metadata", "annotations", ANNOTATIONS["tier"]),
            f'tier must be a whole number such as "1" (got {text!r})',
        )
    return int(text)


def _entry(document: YamlDocument, entity: ComponentEntity) -> ServiceEntry:
    runbooks = _annotation(document, entity, "runbooks")
    return ServiceEntry(
        service=entity.metadata.name,
        owner=reference_name(entity.spec.owner),
        slack_group=_annotation(document, entity, "slack_group"),
        tier=_tier(document, entity),
        depends_on=tuple(reference_name(ref) for ref in entity.spec.depends_on),
        repo=_annotation(document, entity, "repo"),
        namespace=_annotation(document, entity, "namespace"),
        runbooks=tuple(part.strip() for part in (runbooks or "").split(",") if part.strip()),
        pagerduty_service=_annotation(document, entity, "pagerduty_service"),
        origin=EntryOrigin(FallbackKind.BACKSTAGE, f"{document.path}:{document.lines[()]}"),
    )


def parse_descriptors(text: str, *, path: Path) -> list[ServiceEntry]:
    """The Components of one descriptor file (the contents of ``path``), in file order."""
    entries = []
    for document in parse_yaml_stream(text, path=path):
        kind = document.data.get("kind")
        if kind != "Component":
            if not isinstance(kind, str):
                raise document.error(("kind",), "every entity needs a kind (Component, Group...)")
            continue  # another kind of entity: nothing this bot reads
        entity = validate_document(document, ComponentEntity)
        entries.append(_entry(document, entity))
    return entries


def find_descriptor_files(paths: Iterable[Path]) -> list[Path]:
    """Each path as given when it is a file; in a folder, every ``catalog-info.yaml`` (or
    ``.yml``) below it, in name order, skipping ``.git``, ``node_modules`` and the like."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(name for name in subfolders if name not in _SKIPPED_FOLDERS)
                found.extend(
                    Path(folder) / name for name in sorted(files) if name in DESCRIPTOR_NAMES
                )
        else:
            raise ConfigFileError(path, "no such file or folder")
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(path, f"cannot be read: {exc}") from exc


def load_backstage_catalog(paths: Sequence[Path]) -> Catalog:
    """The Components of every descriptor under ``paths`` as a catalog; a Component named twice
    is an error naming both places (Backstage too refuses the second)."""
    entries: dict[str, ServiceEntry] = {}
    for path in find_descriptor_files(paths):
        for entry in parse_descriptors(_read(path), path=path):
            first = entries.get(entry.service)
            if first is not None and first.origin is not None and entry.origin is not None:
                raise ConfigFileError(
                    path,
                    f"component {entry.service} is already described at {first.origin.location}",
                    line=int(entry.origin.location.rpartition(":")[2]),
                    key="metadata.name",
                )
            entries[entry.service] = entry
    return Catalog(entries.values())

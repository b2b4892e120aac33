"""The service catalog: who owns each service, how to reach them, and what depends on what.

The packet names owners and pages their Slack group from here, and analysis follows
``depends_on`` to blame a downstream service. :class:`Catalog` is an immutable value; catalogs
from several places (replay scenarios, an operator's catalog file) combine with
:meth:`Catalog.merged`. :class:`ServiceRecord` is the YAML shape of one entry, shared by catalog
files and by a scenario's ``catalog`` section::

    services:
      - service: billing-webhooks
        owner: payments-platform
        slack_group: payments-oncall
        tier: 1
        depends_on: [billing-db, stripe-api]

That YAML map comes first. Services it does not list may still be known from fallbacks, in this
order: Backstage ``catalog-info.yaml`` descriptors (enumerable, so they join the catalog as
entries that the YAML map overrides), then GitHub CODEOWNERS (asked per service through
:class:`CatalogFallback`, since it maps paths, not services). An entry from a fallback carries
its :class:`EntryOrigin`, so the packet can say where the owner came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from pydantic import Field, model_validator

from bot.configfile import FileModel, Text, invalid_at, load_yaml_model
from bot.signal.values import Signal

__all__ = [
    "Catalog",
    "CatalogFallback",
    "CatalogFile",
    "EntryOrigin",
    "FallbackKind",
    "ServiceEntry",
    "ServiceRecord",
    "check_unique_services",
    "load_catalog",
    "repository_key",
    "with_catalog_service",
]

REPOSITORY_LABEL = "repository"  # the label a source puts an ``org/repo`` name under


def repository_key(repo: str) -> str:
    """``org/name`` of a repository however it is written (``https://github.com/Org/Name.git``,
    ``github.com/org/name``, ``org/name``), lower-cased, so a catalog's ``repo`` and an event's
    ``full_name`` compare."""
    key = repo.strip().lower().removesuffix("/").removesuffix(".git")
    for prefix in ("https://", "http://", "git@", "ssh://"):
        key = key.removeprefix(prefix)
    key = key.replace("github.com:", "github.com/")
    parts = [part for part in key.split("/") if part]
    return "/".join(parts[-2:])


class FallbackKind(StrEnum):
    BACKSTAGE = "Backstage"
    CODEOWNERS = "CODEOWNERS"


@dataclass(frozen=True, slots=True)
class EntryOrigin:
    """Where an entry that is not in the YAML map came from: ``location`` is the file and line
    (``services/billing/catalog-info.yaml:4``), with the matching pattern for CODEOWNERS."""

    kind: FallbackKind
    location: str

    def describe(self) -> str:
        """``from CODEOWNERS (.github/CODEOWNERS:12: /services/billing/)``."""
        return f"from {self.kind.value} ({self.location})"


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One service: its owning team and how to reach and fix it. ``origin`` is None for the
    YAML map (and replay scenarios); a fallback's entry says which it was."""

    service: str
    owner: str
    slack_group: str | None = None
    tier: int | None = None
    depends_on: tuple[str, ...] = ()
    repo: str | None = None
    namespace: str | None = None
    runbooks: tuple[str, ...] = ()
    pagerduty_service: str | None = None  # the PagerDuty service id, when a fallback knows it
    origin: EntryOrigin | None = None


class CatalogFallback(Protocol):
    """Knows some services' entries only when asked by name (CODEOWNERS: the owners of the
    folder the service lives in)."""

    def entry_for(self, service: str) -> ServiceEntry | None: ...


class Catalog:
    """An immutable set of :class:`ServiceEntry`, one per service, in the order given, and
    optionally a :class:`CatalogFallback` asked for services that are not among them."""

    __slots__ = ("_entries", "_fallback")

    def __init__(
        self, entries: Iterable[ServiceEntry] = (), *, fallback: CatalogFallback | None = None
    ) -> None:
        """Raise ``ValueError`` when a service appears twice: which entry should win is the
        caller's decision (see :meth:`merged`)."""
        by_service: dict[str, ServiceEntry] = {}
        for entry in entries:
            if entry.service in by_service:
                raise ValueError(f"service {entry.service} appears twice in the catalog")
            by_service[entry.service] = entry
        self._entries = MappingProxyType(by_service)
        self._fallback = fallback

    def get(self, service: str) -> ServiceEntry | None:
        """The service's entry; for a service not listed, the fallback's (if any)."""
        entry = self._entries.get(service)
        if entry is None and self._fallback is not None:
            return self._fallback.entry_for(service)
        return entry

    def owner_of(self, service: str) -> str | None:
        """The owning team, None for a service the catalog does not know."""
        entry = self.get(service)
        return entry.owner if entry is not None else None

    def dependencies(self, service: str) -> tuple[str, ...]:
        """What ``service`` depends on, as declared; empty for an unknown service."""
        entry = self.get(service)
        return entry.depends_on if entry is not None else ()

    def dependents(self, service: str) -> tuple[str, ...]:
        """The services that declare a dependency on ``service``, in catalog order."""
        return tuple(entry.service for entry in self if service in entry.depends_on)

    def service_for_repository(self, repo: str) -> str | None:
        """The service whose ``repo`` (the catalog's, or Backstage's ``github.com/project-slug``)
        is ``repo``; None when none is, or when several are (a monorepo names no one service)."""
        key = repository_key(repo)
        found = [
            e.service for e in self._entries.values() if e.repo and repository_key(e.repo) == key
        ]
        return found[0] if len(found) == 1 else None

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def entries(self) -> tuple[ServiceEntry, ...]:
        return tuple(self._entries.values())

    def merged(self, other: Catalog) -> Catalog:
        """This catalog with ``other``'s entries added; where both know a service, ``other``
        wins (a later, more specific source overrides an earlier one), and so does its
        fallback when it has one."""
        combined = dict(self._entries)
        combined.update(other._entries)
        return Catalog(combined.values(), fallback=other._fallback or self._fallback)

    def with_fallback(self, fallback: CatalogFallback | None) -> Catalog:
        """The same entries, asking ``fallback`` about any other service."""
        return Catalog(self._entries.values(), fallback=fallback)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, service: object) -> bool:
        return service in self._entries

    def __iter__(self) -> Iterator[ServiceEntry]:
        return iter(self._entries.values())

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Catalog)
            and self.entries == other.entries
            and self._fallback is other._fallback
        )

    def __hash__(self) -> int:
        return hash(self.entries)

    def __repr__(self) -> str:
        return f"Catalog({', '.join(self.services)})"


class ServiceRecord(FileModel):
    """One catalog entry as written in YAML."""

    service: Text
    owner: Text
    slack_group: Text | None = None
    tier: int | None = Field(default=None, ge=0)
    depends_on: tuple[Text, ...] = ()
    repo: Text | None = None
    namespace: Text | None = None
    runbooks: tuple[Text, ...] = ()

    def to_entry(self) -> ServiceEntry:
        return ServiceEntry(
            service=self.service,
            owner=self.owner,
            slack_group=self.slack_group,
            tier=self.tier,
            depends_on=self.depends_on,
            repo=self.repo,
            namespace=self.namespace,
            runbooks=self.runbooks,
        )


def check_unique_services(records: Sequence[ServiceRecord], *, field: str) -> None:
    """Raise a validation error at ``field.N.service`` for the first service listed twice; call
    it from the model validator of the model that holds the list in ``field``."""
    first_index: dict[str, int] = {}
    for index, record in enumerate(records):
        if record.service in first_index:
            raise invalid_at(
                (field, index, "service"),
                f"service {record.service} is listed twice "
                f"(first as {field}.{first_index[record.service]})",
                record.service,
            )
        first_index[record.service] = index


class CatalogFile(FileModel):
    """A catalog file: ``services:`` and a list of entries."""

    services: tuple[ServiceRecord, ...]

    @model_validator(mode="after")
    def _unique(self) -> CatalogFile:
        check_unique_services(self.services, field="services")
        return self

    def to_catalog(self) -> Catalog:
        return Catalog(record.to_entry() for record in self.services)


def load_catalog(path: Path) -> Catalog:
    """Read a catalog file; any problem is a :class:`~bot.errors.ConfigFileError` naming the
    file, line and key."""
    return load_yaml_model(path, CatalogFile).to_catalog()


def with_catalog_service(signal: Signal, catalog: Catalog) -> Signal:
    """``signal`` about the catalog's service when it names a repository and not a service: a
    GitHub deploy event names ``org/repo``, and the owner, deploys, runbooks and rollback are
    found under the service whose ``repo`` that is. A service the catalog knows is kept."""
    repo = signal.labels.get(REPOSITORY_LABEL)
    if not repo or signal.service in catalog:
        return signal
    service = catalog.service_for_repository(repo)
    return signal if service is None else replace(signal, service=service)

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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pydantic import Field, model_validator

from bot.configfile import FileModel, Text, invalid_at, load_yaml_model

__all__ = [
    "Catalog",
    "CatalogFile",
    "ServiceEntry",
    "ServiceRecord",
    "check_unique_services",
    "load_catalog",
]


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One service: its owning team and how to reach and fix it."""

    service: str
    owner: str
    slack_group: str | None = None
    tier: int | None = None
    depends_on: tuple[str, ...] = ()
    repo: str | None = None
    namespace: str | None = None
    runbooks: tuple[str, ...] = ()


class Catalog:
    """An immutable set of :class:`ServiceEntry`, one per service, in the order given."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[ServiceEntry] = ()) -> None:
        """Raise ``ValueError`` when a service appears twice: which entry should win is the
        caller's decision (see :meth:`merged`)."""
        by_service: dict[str, ServiceEntry] = {}
        for entry in entries:
            if entry.service in by_service:
                raise ValueError(f"service {entry.service} appears twice in the catalog")
            by_service[entry.service] = entry
        self._entries = MappingProxyType(by_service)

    def get(self, service: str) -> ServiceEntry | None:
        return self._entries.get(service)

    def owner_of(self, service: str) -> str | None:
        """The owning team, None for a service the catalog does not know."""
        entry = self._entries.get(service)
        return entry.owner if entry is not None else None

    def dependencies(self, service: str) -> tuple[str, ...]:
        """What ``service`` depends on, as declared; empty for an unknown service."""
        entry = self._entries.get(service)
        return entry.depends_on if entry is not None else ()

    def dependents(self, service: str) -> tuple[str, ...]:
        """The services that declare a dependency on ``service``, in catalog order."""
        return tuple(entry.service for entry in self if service in entry.depends_on)

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def entries(self) -> tuple[ServiceEntry, ...]:
        return tuple(self._entries.values())

    def merged(self, other: Catalog) -> Catalog:
        """This catalog with ``other``'s entries added; where both know a service, ``other``
        wins (a later, more specific source overrides an earlier one)."""
        combined = dict(self._entries)
        combined.update(other._entries)
        return Catalog(combined.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, service: object) -> bool:
        return service in self._entries

    def __iter__(self) -> Iterator[ServiceEntry]:
        return iter(self._entries.values())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and self.entries == other.entries

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

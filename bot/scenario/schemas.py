"""The replay scenario format (``scenarios/FORMAT.md``, version 1) as frozen, validated values.

A :class:`Scenario` is one file: the alert or alerts exactly as their sources post them (the
``payload`` stays the raw JSON body; normalizing it is the signal sources' job), the world around
them (:mod:`bot.scenario.world`), and what a good triage concludes
(:class:`~bot.scenario.expectation.Expectation`); every section's model is importable from here.
Validation rejects unknown keys everywhere, so
a typo in someone else's scenario is an error rather than a check that silently never runs.

Pass ``context={"known_runbooks": ids}`` to ``model_validate`` to also reject runbook ids that do
not exist; :func:`bot.scenario.loader.load_scenario` does that for you.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator

from bot.catalog import Catalog, ServiceRecord, check_unique_services
from bot.configfile import FileModel, Text, UtcDatetime, invalid_at
from bot.scenario.expectation import Expectation
from bot.scenario.world import (
    CalendarEntry,
    Cluster,
    ClusterConfigMap,
    ClusterCronJob,
    ClusterDeployment,
    ClusterEvent,
    ClusterPod,
    Deploy,
    FlagChange,
    LogLine,
    MetricSeries,
    PastIncident,
    TraceSpan,
)
from bot.signal.values import AlertSource

__all__ = [
    "KNOWN_RUNBOOKS_CONTEXT",
    "CalendarEntry",
    "Cluster",
    "ClusterConfigMap",
    "ClusterCronJob",
    "ClusterDeployment",
    "ClusterEvent",
    "ClusterPod",
    "Deploy",
    "Expectation",
    "FlagChange",
    "LogLine",
    "MetricSeries",
    "PastIncident",
    "Scenario",
    "ScenarioAlert",
    "TimedAlert",
    "TraceSpan",
]

KNOWN_RUNBOOKS_CONTEXT = "known_runbooks"
_KEBAB = "abcdefghijklmnopqrstuvwxyz0123456789"


def _kebab_case(value: str) -> str:
    words = value.split("-")
    if not all(word and set(word) <= set(_KEBAB) for word in words):
        raise ValueError(
            f"{value!r} is not kebab-case: lowercase letters and digits in words joined by "
            "single hyphens, like billing-parser-deploy"
        )
    return value


def _one_line(value: str) -> str:
    if "\n" in value:
        raise ValueError("title must be one line")
    return value


class ScenarioAlert(FileModel):
    """The one alert that opens the incident, delivered at the scenario's ``now``."""

    source: AlertSource
    payload: dict[str, Any]


class TimedAlert(FileModel):
    """One alert of a storm, delivered at ``at``."""

    at: UtcDatetime
    source: AlertSource
    payload: dict[str, Any]


class Scenario(FileModel):
    version: Literal[1] = 1
    id: Annotated[Text, AfterValidator(_kebab_case)]
    title: Annotated[Text, AfterValidator(_one_line)]
    now: UtcDatetime
    alert: ScenarioAlert | None = None
    alerts: tuple[TimedAlert, ...] | None = None
    catalog: tuple[ServiceRecord, ...] = ()
    deploys: tuple[Deploy, ...] = ()
    metrics: tuple[MetricSeries, ...] = ()
    logs: tuple[LogLine, ...] = ()
    traces: tuple[TraceSpan, ...] = ()
    cluster: Cluster = Cluster()
    flags: tuple[FlagChange, ...] = ()
    history: tuple[PastIncident, ...] = ()
    calendar: tuple[CalendarEntry, ...] = ()
    runbooks: Literal["default"] | tuple[Text, ...] = "default"
    expect: Expectation

    @field_validator("runbooks", mode="before")
    @classmethod
    def _runbooks_word(cls, value: object) -> object:
        if isinstance(value, str) and value != "default":
            raise ValueError("runbooks is `default`, a list of runbook ids, or [] for none")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        self._check_alerts()
        check_unique_services(self.catalog, field="catalog")
        known = (info.context or {}).get(KNOWN_RUNBOOKS_CONTEXT)
        if known is not None:
            self._check_runbooks(known)
        return self

    def _check_alerts(self) -> None:
        if self.alert is not None and self.alerts is not None:
            raise invalid_at(("alerts",), "give either alert (one) or alerts (a list), not both")
        if self.alert is None and self.alerts is None:
            raise invalid_at(("alert",), "a scenario needs alert (one) or alerts (a list)")
        if self.alerts == ():
            raise invalid_at(("alerts",), "alerts must list at least one alert")
        incidents = self.expect.incidents
        if incidents is not None and incidents > len(self.deliveries):
            raise invalid_at(
                ("expect", "incidents"),
                f"{len(self.deliveries)} alert(s) cannot fold into {incidents} incidents",
                incidents,
            )

    def _check_runbooks(self, known: Collection[str]) -> None:
        if self.runbooks != "default":
            for index, runbook in enumerate(self.runbooks):
                if runbook not in known:
                    raise invalid_at(("runbooks", index), _unknown_runbook(runbook, known), runbook)
        expected = self.expect.runbook
        if expected is not None and expected not in known:
            raise invalid_at(("expect", "runbook"), _unknown_runbook(expected, known), expected)

    @property
    def deliveries(self) -> tuple[TimedAlert, ...]:
        """The alerts in delivery order (``at``, then file order); a single ``alert`` is
        delivered at ``now``."""
        if self.alert is not None:
            return (TimedAlert(at=self.now, source=self.alert.source, payload=self.alert.payload),)
        return tuple(sorted(self.alerts or (), key=lambda alert: alert.at))

    @property
    def uses_default_runbooks(self) -> bool:
        """``runbooks: default``: the runbooks that ship with the bot."""
        return self.runbooks == "default"

    def to_catalog(self) -> Catalog:
        return Catalog(record.to_entry() for record in self.catalog)


def _unknown_runbook(runbook: str, known: Collection[str]) -> str:
    return f"unknown runbook {runbook}; known: {', '.join(sorted(known)) or 'none'}"

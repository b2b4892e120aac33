"""What a runbook step acts on, when the bot may carry it out: ``targets`` under a
``config_change`` or ``rerun_job`` action, one per service (a name or a glob).

A config change names the ConfigMap and the key, or the Deployment and the environment variable
(``deployment``, ``env``: set on its first container, which rolls its pods), the values it may
take (the change is refused for any other), and ``to``, the value the bot switches to when the
policy lets it act on its own; without ``to`` people choose. A re-run names the CronJob. The
namespace is the catalog's for the service unless the target says one.

.. code-block:: yaml

    - kind: config_change
      title: Point the job at a healthy replica
      targets:
        - {service: revenue-etl, configmap: revenue-etl-config, key: SOURCE_DB_HOST,
           values: [db-replica-1, db-replica-2], to: db-replica-1}
    - kind: rerun_job
      title: Re-run the failed job
      targets:
        - {service: revenue-etl, cronjob: revenue-etl}
"""

from __future__ import annotations

import fnmatch
from typing import Annotated

from pydantic import Field, model_validator

from bot.action.kinds import ActionKind
from bot.configfile import FileModel, Text, invalid_at

__all__ = ["EXECUTABLE_KINDS", "StepTarget", "check_targets", "target_for"]

EXECUTABLE_KINDS = frozenset({ActionKind.CONFIG_CHANGE, ActionKind.RERUN_JOB})


class StepTarget(FileModel):
    service: Text
    namespace: Text | None = None
    cronjob: Text | None = None
    configmap: Text | None = None
    key: Text | None = None
    deployment: Text | None = None
    env: Text | None = None
    values: Annotated[tuple[Text, ...], Field(min_length=1)] | None = None
    to: Text | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> StepTarget:
        if self.cronjob is not None:
            for name in ("configmap", "key", "deployment", "env", "values", "to"):
                if getattr(self, name) is not None:
                    raise invalid_at((name,), "a job re-run's target names only the cronjob")
            return self
        pair = ("deployment", "env") if self.deployment is not None else ("configmap", "key")
        other = ("configmap", "key") if self.deployment is not None else ("deployment", "env")
        for name in other:
            if getattr(self, name) is not None:
                raise invalid_at((name,), "a config target is a configmap key or a deployment env")
        for name in (*pair, "values"):
            if getattr(self, name) is None:
                raise invalid_at(
                    (name,),
                    "a config change's target needs configmap and key (or deployment and env), "
                    "and values",
                )
        if self.to is not None and self.to not in (self.values or ()):
            raise invalid_at(("to",), "to must be one of values", self.to)
        return self

    def covers(self, service: str) -> bool:
        return fnmatch.fnmatchcase(service, self.service)

    @property
    def object_name(self) -> str:
        """The CronJob, ConfigMap or Deployment the step acts on."""
        return self.cronjob or self.configmap or self.deployment or ""

    @property
    def variable(self) -> str | None:
        """The ConfigMap key or environment variable a config change sets."""
        return self.key or self.env


def check_targets(kind: ActionKind, targets: tuple[StepTarget, ...]) -> None:
    """ValueError when ``targets`` do not fit ``kind`` (raised from the action's validator)."""
    if targets and kind not in EXECUTABLE_KINDS:
        raise invalid_at(
            ("targets",), f"only {', '.join(sorted(EXECUTABLE_KINDS))} actions take targets"
        )
    for index, target in enumerate(targets):
        wants_cronjob = kind is ActionKind.RERUN_JOB
        if wants_cronjob != (target.cronjob is not None):
            what = "a cronjob" if wants_cronjob else "a configmap, key and values"
            raise invalid_at(("targets", index), f"a {kind.value} target names {what}")


def target_for(targets: tuple[StepTarget, ...], service: str) -> StepTarget | None:
    """The first target covering ``service``."""
    return next((target for target in targets if target.covers(service)), None)

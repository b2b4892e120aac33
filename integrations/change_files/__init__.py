"""Flag changes and the change calendar from YAML files the operator keeps (or a job writes):
the ``flags`` and ``calendar`` sections of the scenario format, each in a file of its own."""

from integrations.change_files.sources import (
    CalendarFile,
    CalendarFileSource,
    FlagFile,
    FlagFileSource,
)

__all__ = ["CalendarFile", "CalendarFileSource", "FlagFile", "FlagFileSource"]

"""The outcome figures a team steers by: MTTD, MTTA, MTTR, and the autonomy, escalation,
remediation success and noise rates, per service and severity.

``values`` holds one incident's outcome as the database recorded it and the figures computed
from many; ``compute`` is the pure computation (time is a parameter); ``service`` reads the
outcomes in a few grouped queries; ``render`` prints the report as a table or JSON. The same
report feeds ``incident-bot report``, ``/metrics`` and the App Home.
"""

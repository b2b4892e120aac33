"""Incident history as evidence: past incidents like the new one, with what resolved them.

``values`` holds what flows through the pipeline (a :class:`PastIncident` remembered, the
:class:`IncidentFacts` a new incident is compared by, a :class:`SimilarIncident` found);
``similarity`` is the pure comparison and the ranking of past remedies in the suggestions;
``models`` and ``service`` keep one row per incident (its triage facts, then its outcome);
``source`` answers the evidence port from that table with one indexed query; ``scenario`` turns
a replay scenario's ``history`` entries into past incidents.
"""

"""Replay scenarios: an alert, the world around it and what a good triage concludes.

``models`` is the format (``scenarios/FORMAT.md``) as validated values, ``terms`` the words an
expectation may use, ``loader`` reads files and folders of them.
"""

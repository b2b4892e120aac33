"""Runbooks: what on-call does for a kind of trouble, as Markdown files with YAML front matter.

``models`` is the front matter as validated values, ``loader`` reads files and folders of them
(every problem names the file, line and key), ``matcher`` picks the runbook that fits an
incident, or says that none does and which came closest.
"""

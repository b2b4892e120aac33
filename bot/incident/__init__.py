"""Incidents: one problem, its signals, its Slack channel and its evidence packet."""

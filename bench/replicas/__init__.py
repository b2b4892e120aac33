"""Replicas benchmark: alerts a second accepted and correlated by one and two bots on one
PostgreSQL."""

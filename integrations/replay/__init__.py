"""Replay evidence: answers the core's evidence questions from scenario files, the offline
default when no vendor credentials are set (and the only source during ``eval`` and the demo)."""

from integrations.replay.source import ReplayEvidence

__all__ = ["ReplayEvidence"]

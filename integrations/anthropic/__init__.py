"""Anthropic's Claude as the narrator's language model, through the official async SDK."""

from integrations.anthropic.model import ClaudeModel

__all__ = ["ClaudeModel"]

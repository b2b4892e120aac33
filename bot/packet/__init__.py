"""The evidence packet: what the bot posts when an incident opens."""

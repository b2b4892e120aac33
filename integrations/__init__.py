"""Adapters out: the vendors the bot speaks to, and the local stand-ins it ships for them."""

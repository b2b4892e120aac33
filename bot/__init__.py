"""The incident bot's core: settings, the incident pipeline, storage, audit and analysis.

Nothing in this package imports Slack, aiohttp routes or a vendor SDK. Adapters in
``handlers`` (inbound) and ``integrations`` (outbound) depend on it, never the reverse.
"""

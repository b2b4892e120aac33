"""Ingest benchmark: signed alert webhooks per second that the bot accepts (stored and
committed), against a bare aiohttp handler on the same machine as the ceiling."""

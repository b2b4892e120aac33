"""Adapters in: Slack commands, actions and events; alert webhooks. Thin: they check and
translate the edge's input, call the core, and translate its answer back."""

"""Alert webhooks: one route per source, each with the source's own authentication."""

from handlers.webhooks.routes import WebhookDeps, add_webhook_routes

__all__ = ["WebhookDeps", "add_webhook_routes"]

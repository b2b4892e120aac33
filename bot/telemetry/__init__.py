"""What the bot tells its operators about itself: structured logs (with the incident and Slack
delivery in context, and every configured secret redacted) and the metrics it counts."""

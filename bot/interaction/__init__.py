"""Interactions: deliveries from the chat platform (commands, clicks, events), each handled once."""

"""Actions: proposed changes to production, their approval and their execution."""

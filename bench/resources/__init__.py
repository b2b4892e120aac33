"""Memory and start-up time of one serve process: idle, after 10,000 alerts, to ready."""

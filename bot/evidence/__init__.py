"""Evidence: what the world looked like around an incident, from whichever sources are set up."""

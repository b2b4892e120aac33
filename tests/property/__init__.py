"""Property tests: hypothesis drives the real HTTP edge with hostile input."""

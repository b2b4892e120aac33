"""Signals: alerts from any source, normalized to one shape the pipeline understands."""

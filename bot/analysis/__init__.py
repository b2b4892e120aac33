"""Deterministic, explainable analysis: pure functions of the evidence and an explicit time."""

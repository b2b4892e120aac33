"""Benchmarks, run by hand from the repository root (``python -m bench.<name>.run``); see
bench/README.md. Not part of the installed package and not run by the test suite."""

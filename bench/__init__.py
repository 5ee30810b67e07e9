"""Benchmarks: ``python -m bench.<name>`` (``nox -s bench`` runs push_1000)."""

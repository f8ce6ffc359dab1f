"""Benchmarks: ``.venv/bin/python -m bench.consumption`` (see its docstring and the README)."""

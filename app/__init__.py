"""Composition root: settings, database, the Starlette application and the CLI."""

"""Alembic migrations, applied by ``energy-portal migrate`` and on ``serve``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at ``migrations/``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every migration not yet applied."""

    def _upgrade(sync_conn: Connection) -> None:
        command.upgrade(alembic_config(sync_conn), "head")

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def make_revision(engine: AsyncEngine, message: str) -> None:
    """Autogenerate a revision from the difference between the tables and the database."""

    def _revision(sync_conn: Connection) -> None:
        command.revision(alembic_config(sync_conn), message=message, autogenerate=True)

    async with engine.begin() as conn:
        await conn.run_sync(_revision)
